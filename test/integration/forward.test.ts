import { afterEach, describe, expect, it } from 'vitest';
import type { ForwardConfig } from '../../src/config/listen/listen-config.js';
import { refusingUrl, startTargetApp, type TargetApp } from '../helpers/servers.js';
import { startTestSession, type TestSession, tempDir } from '../helpers/session.js';
import { messageBody, post, postSigned, signedHeaders } from '../helpers/webhooks.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function app(respond?: Parameters<typeof startTargetApp>[0]): Promise<TargetApp> {
  const started = await startTargetApp(respond);
  cleanups.push(() => started.close());
  return started;
}

async function forwardingSession(forward: Partial<ForwardConfig> & { url: string }, overrides = {}): Promise<TestSession> {
  const session = await startTestSession({
    forward: { headers: {}, timeoutMs: 4000, concurrency: 4, ack: false, ...forward },
    ...overrides,
  });
  cleanups.push(() => session.session.stop());
  return session;
}

describe('--forward-to', () => {
  it("sends the exact bytes with Metriport's headers and extras, after storing, and passes the app's status back", async () => {
    const target = await app(() => ({ status: 202, body: '{"queued":true}' }));
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const session = await forwardingSession(
      { url: `${target.url}/hooks/metriport`, headers: { authorization: 'Bearer dev' } },
      { outDir: dir.path },
    );
    const body = messageBody('patient.admit');
    const headers = signedHeaders(body);

    const answer = await post(session.url, body, headers);
    expect(answer.status).toBe(202);
    const received = target.requests[0];
    expect(received?.url).toBe('/hooks/metriport');
    expect(received?.body).toEqual(body);
    expect(received?.headers['x-metriport-signature']).toBe(headers['x-metriport-signature']);
    expect(received?.headers['user-agent']).toBe('Metriport API');
    expect(received?.headers['content-type']).toBe('application/json');
    expect(received?.headers.authorization).toBe('Bearer dev');
    // Stored first (the file name is in the outcome), forwarded after, and the message reported with both.
    const [shown] = session.eventsOf('message');
    expect(shown?.outcome).toMatchObject({
      status: 202,
      storedAs: expect.stringContaining('patient.admit'),
      forward: { kind: 'answered', status: 202, body: '{"queued":true}' },
    });
  });

  it('makes a failing handler a failed delivery, unless --ack', async () => {
    const target = await app(() => ({ status: 500 }));
    const failing = await forwardingSession({ url: target.url });
    expect((await postSigned(failing.url, messageBody())).status).toBe(500);
    const acked = await forwardingSession({ url: target.url, ack: true });
    expect((await postSigned(acked.url, messageBody())).status).toBe(200);
    expect(acked.eventsOf('message')[0]?.outcome).toMatchObject({ status: 200, forward: { kind: 'answered', status: 500 } });
  });

  it('answers 504 when the app is too slow and 502 when it cannot be reached', async () => {
    const slow = await app(() => ({ status: 200, delayMs: 1000 }));
    const timing = await forwardingSession({ url: slow.url, timeoutMs: 100 });
    expect((await postSigned(timing.url, messageBody())).status).toBe(504);
    expect(timing.eventsOf('message')[0]?.outcome.forward).toMatchObject({
      kind: 'failed',
      status: 504,
      reason: 'timeout',
      timeoutMs: 100,
    });

    const nowhere = await forwardingSession({ url: await refusingUrl() });
    expect((await postSigned(nowhere.url, messageBody())).status).toBe(502);
    expect(nowhere.eventsOf('message')[0]?.outcome.forward).toMatchObject({
      kind: 'failed',
      status: 502,
      detail: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('keeps at most --forward-concurrency requests in flight to the app', async () => {
    const target = await app(() => ({ status: 200, delayMs: 60 }));
    const session = await forwardingSession({ url: target.url, concurrency: 2 });
    const answers = await Promise.all(Array.from({ length: 8 }, () => postSigned(session.url, messageBody())));
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
    expect(target.requests).toHaveLength(8);
    expect(target.maxInFlight()).toBe(2);
  });

  it('forwards duplicates again (retries reach a production app too) but answers pings itself', async () => {
    const target = await app(() => ({ status: 200 }));
    const session = await forwardingSession({ url: target.url });
    const body = messageBody('medical.document-download', {}, 'repeat-me');
    await postSigned(session.url, body);
    await postSigned(session.url, body);
    const ping = await postSigned(session.url, Buffer.from('{"ping":"p1","meta":{"type":"ping"}}'));
    expect(JSON.parse(ping.text)).toEqual({ pong: 'p1' });
    expect(target.requests).toHaveLength(2);
    expect(session.eventsOf('duplicate')).toHaveLength(1);
  });
});
