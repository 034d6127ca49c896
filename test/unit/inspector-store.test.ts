import { describe, expect, it } from 'vitest';
import { createInspectorStore, DEFAULT_INSPECTOR_LIMITS } from '../../src/inspector/inspector-store.js';
import type { SessionEvent } from '../../src/listen/events.js';
import type { ForwardOutcome } from '../../src/receiver/receiver.js';
import type { ReceivedMessage } from '../../src/webhook/message.js';

function messageEvent(
  index: number,
  options: { messageId?: string; bytes?: number; headers?: Record<string, string>; atMs?: number } = {},
): SessionEvent {
  const body = {
    meta: { messageId: options.messageId ?? `m-${index}`, type: 'patient.admit' },
    payload: { patientId: `patient-${index}`, pad: 'x'.repeat(options.bytes ?? 10) },
  };
  const raw = Buffer.from(JSON.stringify(body));
  const message: ReceivedMessage = {
    receivedAt: new Date(options.atMs ?? Date.UTC(2026, 10, 29, 12, 0, index)),
    type: 'patient.admit',
    messageId: body.meta.messageId,
    when: undefined,
    verifiedBy: 'signature',
    raw,
    payload: body,
    headers: options.headers ?? { 'content-type': 'application/json' },
  };
  return { type: 'message', message, outcome: { status: 200, storedAs: `file-${index}.json`, forward: undefined } };
}

const refusal = (index: number): SessionEvent => ({
  type: 'verify-failed',
  at: new Date(Date.UTC(2026, 10, 29, 13, 0, 0, index)),
  reason: 'header-missing',
  from: { address: '203.0.113.9', userAgent: `flood-${index}`, headers: { 'user-agent': `flood-${index}` } },
});

describe('inspector store', () => {
  it('keeps the newest entries up to its bound, newest first, and counts every request received', () => {
    const store = createInspectorStore({ maxEntries: 5, maxBodyBytes: 1e9 });
    for (let index = 1; index <= 600; index += 1) store.write(messageEvent(index));
    const listed = store.list();
    expect(listed.map((entry) => entry.messageId)).toEqual(['m-600', 'm-599', 'm-598', 'm-597', 'm-596']);
    expect(store.received()).toBe(600);
    expect(store.get(1)).toBeUndefined();
    expect(store.get(600)?.patientId).toBe('patient-600');
    expect(store.get(600)?.summary).toMatch(/answered 200 · stored file-600\.json/);
  });

  it('drops the oldest big bodies past their share of the byte bound but keeps their rows', () => {
    // 4,000 bytes: a 1,024-byte arena, so these 1 KB bodies are held by reference within the other 2,976.
    const store = createInspectorStore({ maxEntries: 100, maxBodyBytes: 4000 });
    for (let index = 1; index <= 5; index += 1) store.write(messageEvent(index, { bytes: 1000 }));
    const held = store
      .list()
      .filter((entry) => entry.hasBody)
      .map((entry) => entry.id);
    expect(held).toEqual([5, 4]);
    expect(store.body(1)).toBeUndefined();
    expect(store.get(1)?.patientId).toBe('patient-1');
    expect(JSON.parse(store.body(5)?.toString() ?? '').payload.patientId).toBe('patient-5');
  });

  it('keeps small bodies and headers in a reused arena: the newest exact bytes survive its wrapping, older rows stay', () => {
    const store = createInspectorStore({ maxEntries: 1000, maxBodyBytes: 16 * 1024 });
    const sent = new Map<number, Buffer>();
    for (let index = 1; index <= 300; index += 1) {
      const event = messageEvent(index, { bytes: (index % 7) * 20, headers: { 'content-type': 'application/json', 'x-n': String(index) } });
      store.write(event);
      if (event.type === 'message') sent.set(index, event.message.raw);
    }
    const withBody = store
      .list()
      .filter((entry) => entry.hasBody)
      .map((entry) => entry.id);
    expect(withBody.length).toBeGreaterThan(5);
    expect(withBody.length).toBeLessThan(300);
    // The held ones are the newest, contiguous, byte-identical, with their own headers.
    expect(withBody).toEqual(Array.from({ length: withBody.length }, (_, index) => 300 - index));
    for (const id of withBody) {
      expect(store.body(id)?.equals(sent.get(id) as Buffer)).toBe(true);
      expect(store.get(id)?.headers['x-n']).toBe(String(id));
    }
    expect(store.body(1)).toBeUndefined();
    expect(store.get(1)?.messageId).toBe('m-1');
    expect(store.get(1)?.summary).toMatch(/body no longer held/);
  });

  it('under a flood keeps the headers and bytes of so many messages a second, spread through it, and every row', () => {
    const store = createInspectorStore({ bytesKeptPerSecond: 100 });
    const start = Date.UTC(2026, 10, 29, 12, 0, 0);
    // 1,000 messages a second for two seconds: a second's worth of tokens goes first, then one per 10 ms.
    for (let index = 1; index <= 2000; index += 1) store.write(messageEvent(index, { atMs: start + index }));
    const rows = store.list();
    expect(rows).toHaveLength(2000);
    const kept = rows.filter((entry) => entry.hasBody).map((entry) => entry.id);
    expect(kept.length).toBeGreaterThanOrEqual(290);
    expect(kept.length).toBeLessThanOrEqual(301);
    const late = kept.filter((id) => id > 1000).sort((a, b) => a - b);
    expect(late.length).toBeGreaterThanOrEqual(95);
    // Spread evenly: about one in ten, never a long run without one.
    expect(Math.max(...late.slice(1).map((id, index) => id - (late[index] as number)))).toBeLessThanOrEqual(11);
    const skipped = store.get(1500);
    expect(skipped?.hasBody).toBe(false);
    expect(skipped?.headers).toEqual({});
    expect(skipped?.messageId).toBe('m-1500');
    expect(skipped?.patientId).toBe('patient-1500');
    // Stored by --out (as messageEvent's are): the row points at its file.
    expect(skipped?.summary).toMatch(
      /not kept here: over 100 messages a second arrived; its file has the body\) → answered 200 · stored file-1500\.json/,
    );
    // Without --out, the row says how to keep them all.
    const unstored = createInspectorStore({ bytesKeptPerSecond: 1 });
    for (const index of [1, 2]) {
      const event = messageEvent(index, { atMs: start });
      unstored.write(event.type === 'message' ? { ...event, outcome: { ...event.outcome, storedAs: undefined } } : event);
    }
    expect(unstored.get(1)?.hasBody).toBe(true);
    expect(unstored.get(2)?.summary).toMatch(
      /not kept here: over 1 messages a second arrived; --out or --jsonl keeps every one\) → answered 200$/,
    );
    // A quiet second later, every message is kept again.
    for (let index = 2001; index <= 2050; index += 1) store.write(messageEvent(index, { atMs: start + 4000 + index }));
    expect(
      store
        .list()
        .slice(0, 50)
        .every((entry) => entry.hasBody),
    ).toBe(true);
  });

  it('keeps header values exactly as Node decoded them (one byte per character)', () => {
    // Node reads header bytes as latin1: a UTF-8 "é" sent on the wire arrives as two characters, "Ã©".
    const store = createInspectorStore();
    const headers = { 'user-agent': 'caf\u00c3\u00a9 \u00ff', 'x-empty': '' };
    store.write(messageEvent(1, { headers }));
    expect(store.get(1)?.headers).toEqual(headers);
  });

  it('groups deliveries of one messageId and never keeps a legacy webhook key header', () => {
    const store = createInspectorStore();
    store.write(messageEvent(1, { messageId: 'same', headers: { 'x-webhook-key': 'the-secret-key' } }));
    store.write(messageEvent(2));
    store.write(messageEvent(3, { messageId: 'same' }));
    expect(store.attempts(3).map((entry) => entry.id)).toEqual([1, 3]);
    expect(JSON.stringify(store.get(1))).not.toContain('the-secret-key');
  });

  it('keeps refused requests in a share of their own: 2,100 unsigned requests push out older refusals, never a verified message', () => {
    // As filed (#24): 2,100 unsigned requests used to push every verified message out of the inspector.
    const store = createInspectorStore();
    for (let index = 1; index <= 5; index += 1) store.write(messageEvent(index));
    for (let index = 1; index <= 2100; index += 1) store.write(refusal(index));
    const listed = store.list();
    const messages = listed.filter((entry) => entry.kind === 'message');
    expect(messages.map((entry) => entry.messageId)).toEqual(['m-5', 'm-4', 'm-3', 'm-2', 'm-1']);
    expect(store.received()).toBe(2105);
    expect(listed).toHaveLength(5 + DEFAULT_INSPECTOR_LIMITS.maxRefused);
    expect(messages.every((entry) => entry.hasBody)).toBe(true);
    expect(JSON.parse(store.body(1)?.toString() ?? '').payload.patientId).toBe('patient-1');
    // The newest refusals are kept, newest first, with their own ids; the oldest are gone.
    const refused = listed.filter((entry) => entry.kind === 'refused');
    expect(refused[0]?.from).toBe('203.0.113.9, flood-2100');
    expect(refused.at(-1)?.from).toBe(`203.0.113.9, flood-${2100 - DEFAULT_INSPECTOR_LIMITS.maxRefused + 1}`);
    expect(store.get(6)).toBeUndefined();
    expect(store.get(2105)?.kind).toBe('refused');
    expect(store.body(2105)).toBeUndefined();
    expect(store.newest([1, 6, 2105]).map((entry) => entry.id)).toEqual([1, 2105]);
  });

  it('lists both shares newest first, interleaved as they arrived, each within its own bound', () => {
    const store = createInspectorStore({ maxEntries: 4, maxRefused: 3 });
    const kinds: string[] = [];
    for (let index = 1; index <= 12; index += 1) {
      store.write(index % 3 === 0 ? refusal(index) : messageEvent(index));
      kinds.push(index % 3 === 0 ? 'refused' : 'message');
    }
    // Messages 1..12 but every third: the newest four are 11, 10, 8, 7; refusals 12, 9, 6.
    expect(store.list().map((entry) => [entry.id, entry.kind])).toEqual([
      [12, 'refused'],
      [11, 'message'],
      [10, 'message'],
      [9, 'refused'],
      [8, 'message'],
      [7, 'message'],
      [6, 'refused'],
    ]);
    expect(store.get(5)).toBeUndefined();
    expect(store.get(3)).toBeUndefined();
    expect(store.attempts(11).map((entry) => entry.id)).toEqual([11]);
  });

  it('marks a delivered message whose payload reports a failure, and keeps what the app answered', () => {
    const store = createInspectorStore();
    const delivered = (payload: unknown, forward?: ForwardOutcome): SessionEvent => {
      const event = messageEvent(store.received() + 1);
      if (event.type !== 'message') throw new Error('a message event');
      const raw = Buffer.from(JSON.stringify(payload));
      return { ...event, message: { ...event.message, raw, payload }, outcome: { ...event.outcome, forward } };
    };
    const app: ForwardOutcome = {
      kind: 'answered',
      url: 'http://127.0.0.1:3000/hook',
      status: 500,
      durationMs: 12,
      body: '{"error":"boom"}',
    };
    store.write(
      delivered(
        {
          meta: {},
          patients: [
            { patientId: 'p-1', status: 'completed' },
            { patientId: 'p-2', status: 'failed' },
          ],
        },
        app,
      ),
    );
    store.write(delivered({ meta: {}, payload: { patientId: 'p-3', source: { type: 'hie', status: 'failed' } } }));
    store.write(delivered({ meta: {}, bulkPatientCreate: { requestId: 'r', status: 'failed' } }));
    store.write(delivered({ meta: {}, payload: { id: 'm', status: 'failed' } }));
    store.write(delivered({ meta: {}, patients: [{ patientId: 'p-4', status: 'completed' }] }));
    expect(store.list().map((entry) => entry.failed)).toEqual([false, true, true, true, true]);
    expect(store.forward(1)).toEqual(app);
    expect(store.forward(2)).toBeUndefined();
  });

  it('cuts a huge id, type or patient id to a short copy, so no row carries megabytes', () => {
    const store = createInspectorStore();
    const huge = 'p'.repeat(3 * 1024 * 1024);
    const event = messageEvent(1);
    if (event.type !== 'message') throw new Error('a message event');
    const payload = { meta: { messageId: huge, type: huge }, payload: { patientId: huge } };
    store.write({
      ...event,
      message: { ...event.message, raw: Buffer.from(JSON.stringify(payload)), payload, messageId: huge, type: huge },
    });
    const entry = store.get(1);
    expect(JSON.stringify(entry).length).toBeLessThan(5000);
    expect(entry?.patientId).toMatch(/^p+…$/);
  });

  it('empties a reused slot of every column: nothing of the request it held leaks into the next', () => {
    const store = createInspectorStore({ maxEntries: 1, bytesKeptPerSecond: 1 });
    const start = Date.UTC(2026, 10, 29, 12, 0, 0);
    const first = messageEvent(1, { atMs: start });
    if (first.type !== 'message') throw new Error('a message event');
    const app: ForwardOutcome = { kind: 'answered', url: 'http://127.0.0.1:3000/hook', status: 200, durationMs: 3, body: '' };
    store.write({ ...first, outcome: { ...first.outcome, forward: app } });
    // Over the rate: its row only.
    store.write(messageEvent(2, { atMs: start }));
    expect(store.get(2)?.summary).toMatch(/not kept here/);
    store.write({ type: 'ping', at: new Date(start), ping: 'p', verifiedBy: 'signature' });
    expect(store.get(3)).toMatchObject({ kind: 'ping', messageId: undefined, patientId: undefined, storedAs: undefined, hasBody: false });
    expect(store.forward(3)).toBeUndefined();
    store.write(messageEvent(4, { atMs: start + 5000 }));
    expect(store.get(4)).toMatchObject({ kind: 'message', messageId: 'm-4', hasBody: true });
    expect(store.get(4)?.summary).not.toMatch(/not kept here/);
    expect(store.forward(4)).toBeUndefined();
  });

  it('tells subscribers the id of each new request', () => {
    const store = createInspectorStore();
    const seen: number[] = [];
    const unsubscribe = store.subscribe((id) => seen.push(id));
    store.write(messageEvent(1));
    store.write({
      type: 'verify-failed',
      at: new Date(),
      reason: 'signature-mismatch',
      from: { address: '203.0.113.9', userAgent: 'curl', headers: { 'x-metriport-signature': 'f' } },
    });
    unsubscribe();
    store.write(messageEvent(3));
    expect(seen).toEqual([1, 2]);
    expect(store.newest(seen).map((entry) => entry.kind)).toEqual(['message', 'refused']);
    expect(store.get(2)?.from).toBe('203.0.113.9, curl');
  });
});
