// The message both load generators send, and the signed autocannon run the bench and the profiler share.
import { createHmac } from 'node:crypto';
import autocannon from 'autocannon';

/** Bodies of ~2 KB document-download messages, a fresh messageId each; the generator signs them. */
export function messageFactory() {
  let counter = 0;
  const documents = Array.from({ length: 6 }, (_, i) => ({
    id: `0195d9a1-0000-7000-8000-00000000000${i}`,
    fileName: `document-${i}.xml`,
    description: 'Summary of care',
    status: 'current',
    mimeType: 'application/xml',
    size: 48213 + i,
  }));
  return () => {
    counter += 1;
    const body = JSON.stringify({
      meta: {
        messageId: `bench-${process.pid}-${Date.now()}-${counter}`,
        when: new Date().toISOString(),
        type: 'medical.document-download',
      },
      patients: [{ patientId: '0195d964-d166-7226-8912-76934c23c140', externalId: 'ext-1001', status: 'completed', documents }],
    });
    return body;
  };
}

/** autocannon POSTing signed messages (a fresh messageId each) for `seconds`; `rate` caps requests per second. */
export async function signedAutocannon({ url, key, seconds, connections, rate }) {
  const next = messageFactory();
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    ...(rate === undefined ? {} : { overallRate: rate }),
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const body = next();
          return {
            ...request,
            body,
            headers: { 'content-type': 'application/json', 'x-metriport-signature': createHmac('sha256', key).update(body).digest('hex') },
          };
        },
      },
    ],
  });
  const non2xx = result.non2xx + result.errors + result.timeouts;
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx, total: result.requests.total };
}
