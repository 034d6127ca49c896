import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeRefusal } from '../../src/output/words.js';
import { sign } from '../../src/webhook/signature.js';
import { startTestSession, type TestSession, tempDir } from '../helpers/session.js';
import { messageBody, post, postSigned, signedHeaders, TEST_KEY } from '../helpers/webhooks.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function session(overrides: Parameters<typeof startTestSession>[0] = {}): Promise<TestSession> {
  const started = await startTestSession(overrides);
  cleanups.push(() => started.session.stop());
  return started;
}

async function folder() {
  const dir = await tempDir();
  cleanups.push(dir.remove);
  return dir.path;
}

async function visibleFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => !name.startsWith('.')).sort();
}

describe('receiver on a real socket', () => {
  it('accepts a signed message, stores its exact bytes 0600 in a 0700 folder, and appends a JSON line', async () => {
    const dir = await folder();
    const out = join(dir, 'captures');
    const jsonl = join(dir, 'messages.jsonl');
    const listener = await session({ outDir: out, jsonlFile: jsonl });
    const body = messageBody('medical.document-download');

    const answer = await postSigned(listener.url, body);
    expect(answer.status).toBe(200);

    const files = await visibleFiles(out);
    expect(files).toHaveLength(1);
    const messageId = JSON.parse(body.toString()).meta.messageId as string;
    expect(files[0]).toContain(`_medical.document-download_${messageId}.json`);
    expect(await readFile(join(out, files[0] ?? ''))).toEqual(body);
    expect((await stat(join(out, files[0] ?? ''))).mode & 0o777).toBe(0o600);
    expect((await stat(out)).mode & 0o777).toBe(0o700);
    expect((await stat(jsonl)).mode & 0o777).toBe(0o600);
    const line = JSON.parse((await readFile(jsonl, 'utf8')).trim());
    expect(line).toMatchObject({
      type: 'medical.document-download',
      messageId,
      verifiedBy: 'signature',
      payload: JSON.parse(body.toString()),
    });
    expect(listener.eventsOf('message')).toHaveLength(1);
  });

  it('accepts the legacy x-webhook-key header', async () => {
    const listener = await session();
    const answer = await post(listener.url, messageBody(), { 'content-type': 'application/json', 'x-webhook-key': TEST_KEY });
    expect(answer.status).toBe(200);
    expect(listener.eventsOf('message')[0]?.message.verifiedBy).toBe('webhook-key');
  });

  it.each([
    ['no header', {}, 'header-missing'],
    ['a signature by another key', { 'x-metriport-signature': sign('other-key', messageBody()) }, 'signature-mismatch'],
    ['a malformed signature', { 'x-metriport-signature': 'abc' }, 'signature-malformed'],
    ['a wrong legacy key', { 'x-webhook-key': 'nope' }, 'wrong-key'],
  ])('refuses %s with an empty 401 and stores nothing', async (_label, headers, reason) => {
    const dir = await folder();
    const jsonl = join(dir, 'm.jsonl');
    const listener = await session({ outDir: join(dir, 'out'), jsonlFile: jsonl });
    const answer = await post(listener.url, messageBody(), { 'content-type': 'application/json', ...headers });
    expect(answer).toMatchObject({ status: 401, text: '' });
    expect(listener.eventsOf('verify-failed')[0]?.reason).toBe(reason);
    expect(listener.eventsOf('message')).toHaveLength(0);
    expect(await visibleFiles(join(dir, 'out'))).toEqual([]);
    expect(await readFile(jsonl, 'utf8')).toBe('');
  });

  it('answers a verified ping with the same value and stores nothing', async () => {
    const dir = await folder();
    const listener = await session({ outDir: dir });
    const body = Buffer.from('{"ping":"Zq4xT9mLr2VbN7kP1cYwE","meta":{"messageId":"p-1","when":"2026-11-28T10:00:00.000Z","type":"ping"}}');
    const answer = await postSigned(listener.url, body);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ pong: 'Zq4xT9mLr2VbN7kP1cYwE' });
    expect(await visibleFiles(dir)).toEqual([]);
    expect(listener.eventsOf('ping')).toHaveLength(1);
  });

  it('refuses an unsigned ping', async () => {
    const listener = await session();
    const answer = await post(listener.url, '{"ping":"x","meta":{"type":"ping"}}', { 'content-type': 'application/json' });
    expect(answer).toMatchObject({ status: 401, text: '' });
  });

  it.each([
    ['invalid JSON', Buffer.from('{"meta":')],
    ['an empty body', Buffer.alloc(0)],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])],
  ])('answers 400 to a signed body with %s', async (_label, body) => {
    const listener = await session();
    const answer = await postSigned(listener.url, body);
    expect(answer.status).toBe(400);
    expect(listener.eventsOf('rejected')[0]?.status).toBe(400);
  });

  it('answers 413 above --max-body and names the flag', async () => {
    const listener = await session({ maxBodyBytes: 1024 });
    const body = messageBody('medical.document-download', { padding: 'x'.repeat(2048) });
    const answer = await postSigned(listener.url, body);
    expect(answer.status).toBe(413);
    expect(listener.eventsOf('rejected')[0]?.refusal).toEqual({ reason: 'too-large', limitBytes: 1024 });
    expect(describeRefusal({ reason: 'too-large', limitBytes: 1024 })).toContain('--max-body 1kb');
    const small = await postSigned(listener.url, messageBody());
    expect(small.status).toBe(200);
  });

  it('answers 405 to other methods on the path and 404 elsewhere, with no framework details', async () => {
    const listener = await session();
    const get = await fetch(listener.url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const elsewhere = await postSigned(listener.url.replace('/webhook', '/other'), messageBody());
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.text).toBe('');
    expect(elsewhere.headers.get('x-powered-by')).toBeNull();
    expect(elsewhere.headers.get('server')).toBeNull();
  });

  it('takes the path in any spelling Fastify routes to it through the same policy: stored when signed, refused before the body when not', async () => {
    const outDir = await folder();
    const listener = await session({ maxBodyBytes: 4096, outDir });
    const encoded = listener.url.replace('/webhook', '/web%68ook');
    const signed = await postSigned(encoded, messageBody('medical.document-download', {}, 'id-encoded-path'));
    expect(signed.status).toBe(200);
    expect(JSON.parse(signed.text)).toEqual({ received: true });
    expect((await visibleFiles(outDir)).filter((name) => name.includes('id-encoded-path'))).toHaveLength(1);
    const unsigned = await post(encoded, messageBody());
    expect([unsigned.status, unsigned.text, unsigned.headers.get('connection')]).toEqual([401, '', 'close']);
    const tooLarge = await postSigned(encoded, messageBody('medical.document-download', { padding: 'x'.repeat(8192) }));
    expect(tooLarge.status).toBe(413);
  });

  it('verifies a body sent without a content-type', async () => {
    const listener = await session();
    const body = messageBody();
    const answer = await post(listener.url, body, { 'x-metriport-signature': sign(TEST_KEY, body) });
    expect(answer.status).toBe(200);
  });

  it('accepts any message type, including unknown ones', async () => {
    const listener = await session();
    for (const type of ['network-query.lab', 'brand.new-type']) {
      expect((await postSigned(listener.url, messageBody(type))).status).toBe(200);
    }
    expect(listener.eventsOf('message').map((event) => event.message.type)).toEqual(['network-query.lab', 'brand.new-type']);
  });

  it('answers a repeated messageId 200, shows it as a duplicate and stores it once, even when sent concurrently', async () => {
    const dir = await folder();
    const jsonl = join(await folder(), 'm.jsonl');
    const listener = await session({ outDir: dir, jsonlFile: jsonl });
    const body = messageBody('medical.document-download', {}, 'same-id-1');
    const answers = await Promise.all(Array.from({ length: 20 }, () => postSigned(listener.url, body)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    expect(await visibleFiles(dir)).toHaveLength(1);
    expect((await readFile(jsonl, 'utf8')).trim().split('\n')).toHaveLength(1);
    expect(listener.eventsOf('duplicate')).toHaveLength(19);
    const stats = await listener.session.stop();
    expect(stats).toMatchObject({ received: 20, verified: 20, duplicates: 19, stored: 1 });
  });

  it('recognises messages already in the --out folder from an earlier run', async () => {
    const dir = await folder();
    const body = messageBody('patient.admit', {}, 'seen-before');
    const first = await startTestSession({ outDir: dir });
    await postSigned(first.url, body);
    await first.session.stop();
    await writeFile(join(dir, 'notes.txt'), 'not a capture');

    const second = await session({ outDir: dir });
    expect((await postSigned(second.url, body)).status).toBe(200);
    expect(second.eventsOf('duplicate')).toHaveLength(1);
    expect((await visibleFiles(dir)).filter((name) => name.endsWith('.json'))).toHaveLength(1);
  });

  it('answers types left out by --events with 200 but neither shows nor stores them', async () => {
    const dir = await folder();
    const listener = await session({ outDir: dir, events: ['medical.'] });
    expect((await postSigned(listener.url, messageBody('patient.admit'))).status).toBe(200);
    expect((await postSigned(listener.url, messageBody('medical.consolidated-data'))).status).toBe(200);
    expect(listener.eventsOf('message').map((event) => event.message.type)).toEqual(['medical.consolidated-data']);
    expect(listener.eventsOf('filtered')).toHaveLength(1);
    expect(await visibleFiles(dir)).toHaveLength(1);
    expect(await listener.session.stop()).toMatchObject({ filtered: 1, stored: 1 });
  });

  it('answers 500, keeps running and does not count a message it could not store', async () => {
    const dir = await folder();
    const out = join(dir, 'out');
    const listener = await session({ outDir: out });
    // Root ignores permissions, so the folder is made unusable by replacing it with a file.
    await rm(out, { recursive: true });
    await writeFile(out, 'now a file');
    const body = messageBody();
    const answer = await postSigned(listener.url, body);
    expect(answer.status).toBe(500);
    expect(listener.eventsOf('store-failed')[0]).toMatchObject({
      message: { type: 'medical.document-conversion' },
      error: { code: 'CAPTURE_WRITE_FAILED' },
    });
    await rm(out);
    await mkdir(out);
    expect((await postSigned(listener.url, body)).status).toBe(200);
    expect(await visibleFiles(out)).toHaveLength(1);
  });

  it('does not let a signed request with headers but a different body through', async () => {
    const listener = await session();
    const body = messageBody();
    const answer = await post(listener.url, messageBody(), signedHeaders(body));
    expect(answer.status).toBe(401);
  });
});
