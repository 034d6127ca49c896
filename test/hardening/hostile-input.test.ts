import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../src/webhook/signature.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startTestSession, type TestSession, tempDir } from '../helpers/session.js';
import { TEST_KEY } from '../helpers/webhooks.js';

let session: TestSession;
let out: string;
let jsonl: string;
let removeDir: () => Promise<void>;

beforeAll(async () => {
  const dir = await tempDir();
  removeDir = dir.remove;
  out = join(dir.path, 'out');
  jsonl = join(dir.path, 'messages.jsonl');
  session = await startTestSession({ outDir: out, jsonlFile: jsonl, maxBodyBytes: 4 * 1024 * 1024 });
});

afterAll(async () => {
  await session.session.stop();
  await removeDir();
});

let counter = 0;
const uniqueId = () => {
  counter += 1;
  return `fc-${process.pid}-${counter}`;
};

/** Bodies an attacker or a broken relay might send; `messageId` is set when the body is a real message. */
const bodies: fc.Arbitrary<{ body: Buffer; messageId?: string }> = fc.oneof(
  fc.constant({ body: Buffer.alloc(0) }),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ body: Buffer.from(bytes) })),
  fc.constant({ body: Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]) }),
  fc.integer({ min: 1, max: 60_000 }).map((depth) => ({ body: Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`) })),
  fc.integer({ min: 1, max: 200 }).map((cut) => {
    const full = JSON.stringify({ meta: { messageId: 'truncated', type: 'patient.admit' }, payload: { patientId: 'p' } });
    return { body: Buffer.from(full.slice(0, Math.max(1, full.length - cut))) };
  }),
  fc.constantFrom('__proto__', 'constructor', 'prototype').map((key) => {
    const messageId = uniqueId();
    return { body: Buffer.from(`{"${key}":{"polluted":true},"meta":{"messageId":"${messageId}","type":"x.${key}"}}`), messageId };
  }),
  fc.integer({ min: 1000, max: 1_000_000 }).map((size) => {
    const messageId = uniqueId();
    return { body: Buffer.from(JSON.stringify({ meta: { messageId, type: 'big.string' }, blob: 'x'.repeat(size) })), messageId };
  }),
  fc.record({ type: fc.string({ maxLength: 40 }), extra: fc.jsonValue({ maxDepth: 4 }) }).map(({ type, extra }) => {
    const messageId = uniqueId();
    return { body: Buffer.from(JSON.stringify({ meta: { messageId, type }, extra })), messageId };
  }),
);

const authentications = fc.constantFrom('none', 'signature', 'wrong-signature', 'malformed', 'legacy', 'wrong-legacy');
const methods = fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND');
const paths = fc.oneof(
  fc.constantFrom('/webhook', '/webhook', '/webhook?x=1', '/webhook/', '/', '/Webhook', '/webhook/../webhook', '/%2e%2e/etc/passwd'),
  fc.webPath().map((path) => path || '/'),
);

function headersFor(auth: string, body: Buffer): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth === 'signature') headers['x-metriport-signature'] = sign(TEST_KEY, body);
  if (auth === 'wrong-signature') headers['x-metriport-signature'] = sign('another-key', body);
  if (auth === 'malformed') headers['x-metriport-signature'] = 'zz';
  if (auth === 'legacy') headers['x-webhook-key'] = TEST_KEY;
  if (auth === 'wrong-legacy') headers['x-webhook-key'] = 'guess';
  return headers;
}

async function visibleFiles(): Promise<string[]> {
  return (await readdir(out)).filter((name) => !name.startsWith('.'));
}

describe('the live receiver under hostile input (property-based)', () => {
  it('never answers 5xx, never stores or shows what it did not verify, and stores verified messages byte-identical', async () => {
    await fc.assert(
      fc.asyncProperty(methods, paths, authentications, bodies, async (method, path, auth, { body, messageId }) => {
        const filesBefore = (await visibleFiles()).length;
        const shownBefore = session.eventsOf('message').length;
        const answer = await rawRequest({ url: session.url, method, path, headers: headersFor(auth, body), body });
        expect(answer.status).toBeLessThan(500);

        const verified = method === 'POST' && path.split('?')[0] === '/webhook' && (auth === 'signature' || auth === 'legacy');
        if (!verified) {
          expect((await visibleFiles()).length).toBe(filesBefore);
          expect(session.eventsOf('message').length).toBe(shownBefore);
          if (auth !== 'signature' && auth !== 'legacy' && method === 'POST' && path.split('?')[0] === '/webhook') {
            expect(answer).toMatchObject({ status: 401, body: '' });
          }
          return;
        }
        if (messageId !== undefined) {
          expect(answer.status).toBe(200);
          const file = (await visibleFiles()).find((name) => name.endsWith(`_${messageId}.json`));
          expect(file).toBeDefined();
          expect(await readFile(join(out, file ?? ''))).toEqual(body);
        }
      }),
      { numRuns: 300 },
    );
    // Still alive, and every JSON line is whole.
    const lines = (await readFile(jsonl, 'utf8')).trimEnd().split('\n').filter(Boolean);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(lines.length).toBe(session.eventsOf('message').length);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
