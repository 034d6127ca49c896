import { randomBytes, randomUUID } from 'node:crypto';
import { MESSAGE_TIMEOUT_MS, PING_TIMEOUT_MS } from '../metriport/types.js';
import { listMessageTypes, newSampleMessage } from '../samples/samples.js';
import { metriportHeaders, type PostResult, postBytes } from '../webhook/deliver.js';
import { isPongFor } from '../webhook/pong.js';
import { sign } from '../webhook/signature.js';

/** The requirements Metriport's docs set for a webhook endpoint, each checked by sending what Metriport sends. */
export const CHECK_IDS = ['ping', 'refusals', 'raw-bytes', 'types', 'speed', 'redirects', 'idempotency', 'size'] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/** What one request of a check was, and what came back. */
export interface Exchange {
  /** What was sent, in a few words. */
  sent: string;
  status: number | undefined;
  durationMs: number;
  /** The answer's first bytes, or the failure (timeout, refused). */
  got: string;
  location?: string | undefined;
}

export interface CheckResult {
  id: CheckId;
  ok: boolean;
  /** What was asked of the endpoint. */
  requirement: string;
  exchanges: Exchange[];
  /** For a ✗: the likely cause and the fix. */
  cause?: string;
  fix?: string;
  /** `speed`: per message type, the median and slowest answer. */
  timings?: Array<{ type: string; p50Ms: number; maxMs: number }>;
}

export interface CheckOptions {
  url: string;
  webhookKey: string;
  only: readonly CheckId[];
  /** Size of the large document-download (default 4 MB), and how many go at once in the burst (default 20). */
  largeBytes?: number;
  burst?: number;
}

/** Metriport's deadline for an answer (its sender gives up at 5 s; the ping at 2 s). */
export const ANSWER_WITHIN_MS = 4000;
const FUTURE_TYPE = 'future.type-not-yet-known';

/**
 * Runs the checks against a developer's endpoint with invented samples only (never real PHI), signed as
 * Metriport signs, and says for each requirement whether the endpoint meets it.
 */
export async function runChecks(options: CheckOptions): Promise<CheckResult[]> {
  const timings = new Map<string, number[]>();
  const redirects: Exchange[] = [];
  const send = async (input: {
    body: Buffer;
    headers?: Record<string, string>;
    timeoutMs?: number;
    type: string;
    sent: string;
  }): Promise<{ result: PostResult; exchange: Exchange }> => {
    const headers = input.headers ?? metriportHeaders(input.body, options.webhookKey);
    const result = await postBytes({ url: options.url, body: input.body, headers, timeoutMs: input.timeoutMs ?? MESSAGE_TIMEOUT_MS });
    const exchange: Exchange = {
      sent: input.sent,
      status: result.status,
      durationMs: result.durationMs,
      got:
        result.status === undefined
          ? result.detail
          : `${result.status}${result.responseText === '' ? '' : ` ${oneLine(result.responseText)}`}`,
      location: result.location,
    };
    if (result.status !== undefined && result.status >= 300 && result.status < 400) redirects.push(exchange);
    if (result.status !== undefined) timings.set(input.type, [...(timings.get(input.type) ?? []), result.durationMs]);
    return { result, exchange };
  };
  const accepted = (result: PostResult) => result.ok;

  const results: CheckResult[] = [];
  const wanted = (id: CheckId) => options.only.length === 0 || options.only.includes(id);

  if (wanted('ping')) results.push(await checkPing(send));
  if (wanted('refusals')) results.push(await checkRefusals({ send, key: options.webhookKey, accepted }));
  if (wanted('raw-bytes')) results.push(await checkRawBytes({ send, accepted }));
  if (wanted('types')) results.push(await checkTypes({ send, accepted }));
  if (wanted('idempotency')) results.push(await checkIdempotency({ send, accepted }));
  if (wanted('size'))
    results.push(await checkSize({ send, accepted, largeBytes: options.largeBytes ?? 4 * 1024 * 1024, burst: options.burst ?? 20 }));
  // These two judge every answer the others got; run alone, they send what they need first.
  if (wanted('speed') && !wanted('types')) await checkTypes({ send, accepted });
  if (wanted('redirects')) await send({ body: messageOf('patient.admit'), type: 'patient.admit', sent: 'a signed message' });
  if (wanted('speed')) results.push(judgeSpeed(timings));
  if (wanted('redirects')) results.push(judgeRedirects(redirects));
  return results;
}

type Send = (input: {
  body: Buffer;
  headers?: Record<string, string>;
  timeoutMs?: number;
  type: string;
  sent: string;
}) => Promise<{ result: PostResult; exchange: Exchange }>;

async function checkPing(send: Send): Promise<CheckResult> {
  const ping = randomBytes(16).toString('base64url').slice(0, 21);
  const body = Buffer.from(JSON.stringify({ ping, meta: { messageId: randomUUID(), when: new Date().toISOString(), type: 'ping' } }));
  const { result, exchange } = await send({ body, timeoutMs: PING_TIMEOUT_MS, type: 'ping', sent: `a signed ping "${ping}"` });
  const requirement = 'answers the ping with 200 {"pong": <the same value>} within 2 s';
  if (result.status === undefined) {
    return {
      id: 'ping',
      ok: false,
      requirement,
      exchanges: [exchange],
      cause: `no answer (${result.detail}).`,
      fix: 'Answer the ping at once, before any slow work: Metriport gives up after 2 s and marks the webhook unhealthy.',
    };
  }
  if (!result.ok)
    return {
      id: 'ping',
      ok: false,
      requirement,
      exchanges: [exchange],
      cause: `it answered ${result.status}.`,
      fix: 'Verify the ping like any message, then answer 200 with {"pong": <ping>}.',
    };
  if (!isPongFor(result.responseText, ping)) {
    return {
      id: 'ping',
      ok: false,
      requirement,
      exchanges: [exchange],
      cause: 'the answer is not {"pong": <the ping value>}.',
      fix: 'When the body has "ping", answer JSON {"pong": body.ping}; Metriport reports "Bad response from webhook call" otherwise.',
    };
  }
  return { id: 'ping', ok: true, requirement, exchanges: [exchange] };
}

async function checkRefusals(input: { send: Send; key: string; accepted: (result: PostResult) => boolean }): Promise<CheckResult> {
  const { send, key } = input;
  const body = messageOf('patient.admit');
  const other = messageOf('patient.admit');
  const base = metriportHeaders(body, key);
  const { 'x-metriport-signature': _signature, ...unsigned } = base;
  const cases = [
    { sent: 'a message with no x-metriport-signature', headers: unsigned, refuse: true },
    { sent: 'a message signed with another key', headers: { ...base, 'x-metriport-signature': sign(`not-${key}`, body) }, refuse: true },
    { sent: "a message with another message's signature", headers: { ...base, 'x-metriport-signature': sign(key, other) }, refuse: true },
    { sent: 'a correctly signed message', headers: base, refuse: false },
  ];
  const exchanges: Exchange[] = [];
  const wrong: string[] = [];
  for (const item of cases) {
    const { result, exchange } = await send({ body, headers: item.headers, type: 'patient.admit', sent: item.sent });
    exchanges.push(exchange);
    const refused = result.status !== undefined && result.status >= 400 && result.status < 500;
    if (item.refuse && !refused) wrong.push(`${item.sent} got ${result.status ?? result.detail}`);
    if (!item.refuse && !input.accepted(result)) wrong.push(`${item.sent} got ${result.status ?? result.detail}`);
  }
  const requirement = 'refuses unsigned and wrongly signed requests (401), and accepts a correctly signed one';
  if (wrong.length === 0) return { id: 'refusals', ok: true, requirement, exchanges };
  const acceptsForgeries = wrong.some((line) => !line.startsWith('a correctly signed'));
  return {
    id: 'refusals',
    ok: false,
    requirement,
    exchanges,
    cause: `${wrong.join('; ')}.`,
    fix: acceptsForgeries
      ? 'Compute HMAC-SHA256 of the raw body with the webhook key, compare it with x-metriport-signature in constant time, and answer 401 with no body when they differ.'
      : 'Check the webhook key your endpoint verifies with (`metriport-webhook key`).',
  };
}

/**
 * A message whose bytes any parse-and-stringify changes: escaped characters, non-ASCII text, a number beyond
 * double precision, a float written with a trailing zero, and keys JavaScript reorders. An endpoint that
 * verifies `JSON.stringify(req.body)` instead of the raw body refuses it, and passes every ASCII-only test.
 */
export function reserialisationTrap(): Buffer {
  const meta = JSON.stringify({ messageId: randomUUID(), when: new Date().toISOString(), type: 'patient.admit' });
  const text = `{"meta":${meta},"payload":{"patientId":"p-r\\u00e9-\\/1","externalId":"Zo\u00eb M\u00fcller \ud83d\ude00","2":"numeric key","1":"reordered","admitTimestamp":"2026-11-29T08:00:00.000Z","url":"https:\\/\\/documents.example.org\\/x","score":1.50,"big":12345678901234567890}}`;
  return Buffer.from(text, 'utf8');
}

async function checkRawBytes(input: { send: Send; accepted: (result: PostResult) => boolean }): Promise<CheckResult> {
  const plain = await input.send({ body: messageOf('patient.admit'), type: 'patient.admit', sent: 'a plain ASCII message' });
  const trap = await input.send({
    body: reserialisationTrap(),
    type: 'patient.admit',
    sent: 'a message with \\u00e9, \\/, emoji, 1.50, a 20-digit number and numeric keys',
  });
  const requirement = 'verifies the signature over the raw bytes received (not a re-serialised body)';
  const exchanges = [plain.exchange, trap.exchange];
  if (input.accepted(trap.result)) return { id: 'raw-bytes', ok: true, requirement, exchanges };
  if (input.accepted(plain.result)) {
    return {
      id: 'raw-bytes',
      ok: false,
      requirement,
      exchanges,
      cause:
        'the plain message was accepted and the same kind of message with other bytes was refused: the endpoint verifies a re-parsed, re-serialised body, which differs from what Metriport signed.',
      fix: 'Verify before parsing, over the raw bytes: Express `express.raw({ type: "*/*" })` on the webhook route (not express.json()); Fastify `addContentTypeParser("*", { parseAs: "buffer" }, …)`; Next.js route handlers `await request.text()` (Pages API: `export const config = { api: { bodyParser: false } }` and read the stream); Koa/NestJS: keep the raw body (`rawBody: true`).',
    };
  }
  return {
    id: 'raw-bytes',
    ok: false,
    requirement,
    exchanges,
    cause: 'even a plain message was not accepted (see the refusals check).',
    fix: 'Fix signature verification first.',
  };
}

async function checkTypes(input: { send: Send; accepted: (result: PostResult) => boolean }): Promise<CheckResult> {
  const exchanges: Exchange[] = [];
  const refused: string[] = [];
  for (const type of [...listMessageTypes(), FUTURE_TYPE]) {
    const body =
      type === FUTURE_TYPE
        ? Buffer.from(
            JSON.stringify({ meta: { messageId: randomUUID(), when: new Date().toISOString(), type }, payload: { patientId: 'p-1' } }),
          )
        : messageOf(type);
    const { result, exchange } = await input.send({
      body,
      type,
      sent: type === FUTURE_TYPE ? `${type} (a type that does not exist yet)` : type,
    });
    exchanges.push(exchange);
    if (!input.accepted(result)) refused.push(`${type} (${result.status ?? result.detail})`);
  }
  const requirement = 'accepts every current message type, and types that do not exist yet (2xx)';
  if (refused.length === 0) return { id: 'types', ok: true, requirement, exchanges };
  const future = refused.some((line) => line.startsWith(FUTURE_TYPE));
  return {
    id: 'types',
    ok: false,
    requirement,
    exchanges,
    cause: `not accepted: ${refused.join(', ')}.`,
    fix: future
      ? 'Answer 200 to any verified message, also of a meta.type you do not handle (log and ignore it): Metriport adds types, and refused ones count as failed deliveries.'
      : 'Answer 2xx once a message is verified and stored; handle it afterwards.',
  };
}

async function checkIdempotency(input: { send: Send; accepted: (result: PostResult) => boolean }): Promise<CheckResult> {
  const first = messageOf('patient.discharge');
  const again = await input.send({ body: first, type: 'patient.discharge', sent: 'a message' });
  const repeat = await input.send({ body: first, type: 'patient.discharge', sent: 'the same message again (same meta.messageId)' });
  const overlapping = messageOf('patient.discharge');
  const [one, two] = await Promise.all([
    input.send({ body: overlapping, type: 'patient.discharge', sent: 'a message' }),
    input.send({ body: overlapping, type: 'patient.discharge', sent: 'its retry while the first is still being processed' }),
  ]);
  const exchanges = [again.exchange, repeat.exchange, one.exchange, two.exchange];
  const requirement = 'answers 2xx to the same message delivered twice, also while the first is still being processed';
  const bad = [again, repeat, one, two].filter((item) => !input.accepted(item.result));
  if (bad.length === 0) return { id: 'idempotency', ok: true, requirement, exchanges };
  return {
    id: 'idempotency',
    ok: false,
    requirement,
    exchanges,
    cause: `${bad.map((item) => `${item.exchange.sent} got ${item.result.status ?? item.result.detail}`).join('; ')}.`,
    fix: 'Treat meta.messageId as the idempotency key: a repeat is answered 200 (and not processed twice). Metriport retries with the same messageId.',
  };
}

async function checkSize(input: {
  send: Send;
  accepted: (result: PostResult) => boolean;
  largeBytes: number;
  burst: number;
}): Promise<CheckResult> {
  const large = largeDocumentDownload(input.largeBytes);
  const big = await input.send({
    body: large.body,
    type: 'medical.document-download',
    sent: `a ${(large.body.length / 1024 / 1024).toFixed(1)} MB document-download with ${large.documents} documents`,
  });
  const burst = await Promise.all(
    Array.from({ length: input.burst }, (_, index) =>
      input.send({
        body: messageOf('medical.document-conversion'),
        type: 'medical.document-conversion',
        sent: `burst ${index + 1} of ${input.burst}`,
      }),
    ),
  );
  const exchanges = [big.exchange, ...burst.map((item) => item.exchange)];
  const requirement = `accepts a large message (${(large.body.length / 1024 / 1024).toFixed(1)} MB) and a burst of ${input.burst} at once`;
  const failedBurst = burst.filter((item) => !input.accepted(item.result));
  if (input.accepted(big.result) && failedBurst.length === 0) return { id: 'size', ok: true, requirement, exchanges };
  return {
    id: 'size',
    ok: false,
    requirement,
    exchanges,
    cause: [
      input.accepted(big.result) ? undefined : `the large message got ${big.result.status ?? big.result.detail}`,
      failedBurst.length === 0 ? undefined : `${failedBurst.length} of the burst were not accepted`,
    ]
      .filter(Boolean)
      .join('; ')
      .concat('.'),
    fix: 'Allow bodies of tens of MB (Express: express.raw({ limit: "50mb" })), and accept concurrent deliveries: store first, process later.',
  };
}

function judgeSpeed(timings: Map<string, number[]>): CheckResult {
  const rows = [...timings.entries()].map(([type, list]) => {
    const sorted = [...list].sort((a, b) => a - b);
    return { type, p50Ms: sorted[Math.floor((sorted.length - 1) / 2)] as number, maxMs: sorted[sorted.length - 1] as number };
  });
  const slow = rows.filter((row) => row.maxMs > (row.type === 'ping' ? 2000 : ANSWER_WITHIN_MS));
  const requirement = `answers every message within ${ANSWER_WITHIN_MS / 1000} s (the ping within 2 s)`;
  if (slow.length === 0) return { id: 'speed', ok: true, requirement, exchanges: [], timings: rows };
  return {
    id: 'speed',
    ok: false,
    requirement,
    exchanges: [],
    timings: rows,
    cause: `slow: ${slow.map((row) => `${row.type} (${row.maxMs} ms)`).join(', ')}.`,
    fix: 'Acknowledge first and work afterwards: store the message, answer 200, then download bundles or call APIs in the background. Metriport gives up at 5 s.',
  };
}

function judgeRedirects(redirects: Exchange[]): CheckResult {
  const requirement = 'answers at the URL itself, without redirecting (Metriport does not follow redirects)';
  if (redirects.length === 0) return { id: 'redirects', ok: true, requirement, exchanges: [] };
  return {
    id: 'redirects',
    ok: false,
    requirement,
    exchanges: redirects.slice(0, 3),
    cause: `${redirects.length} answer(s) were redirects${redirects[0]?.location ? ` to ${redirects[0].location}` : ''}.`,
    fix: 'Register the final URL (https, the exact path, trailing slash as your framework expects): a 3xx counts as a failed delivery.',
  };
}

function messageOf(type: string): Buffer {
  return Buffer.from(JSON.stringify(newSampleMessage(type, new Date())));
}

/** A document-download for one patient with enough documents to reach `bytes`. */
function largeDocumentDownload(bytes: number): { body: Buffer; documents: number } {
  const sample = newSampleMessage('medical.document-download', new Date()) as { patients: Array<{ documents: unknown[] }> };
  const patient = sample.patients[0] as { documents: unknown[] };
  const template = patient.documents[0];
  const one = JSON.stringify(template).length + 1;
  const count = Math.max(1, Math.ceil(bytes / one));
  patient.documents = Array.from({ length: count }, (_, index) => ({
    ...(template as object),
    id: `doc-${index}`,
    fileName: `document-${index}.xml`,
  }));
  return { body: Buffer.from(JSON.stringify(sample)), documents: count };
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 80)}…` : flat;
}
