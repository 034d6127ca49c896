import { describe, expect, it } from 'vitest';
import { createInspectorStore } from '../../src/inspector/store.js';
import type { SessionEvent } from '../../src/session/events.js';
import type { ReceivedMessage } from '../../src/webhook/message.js';

function messageEvent(index: number, options: { messageId?: string; bytes?: number; headers?: Record<string, string> } = {}): SessionEvent {
  const body = { meta: { messageId: options.messageId ?? `m-${index}`, type: 'patient.admit' }, payload: { patientId: `patient-${index}`, pad: 'x'.repeat(options.bytes ?? 10) } };
  const raw = Buffer.from(JSON.stringify(body));
  const message: ReceivedMessage = {
    receivedAt: new Date(Date.UTC(2026, 10, 29, 12, 0, index)),
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

describe('inspector store', () => {
  it('keeps the newest entries up to its bound, newest first, and counts every request received', () => {
    const store = createInspectorStore({ maxEntries: 5, maxBodyBytes: 1e9 });
    for (let index = 1; index <= 600; index += 1) store.record(messageEvent(index));
    const listed = store.list();
    expect(listed.map((entry) => entry.messageId)).toEqual(['m-600', 'm-599', 'm-598', 'm-597', 'm-596']);
    expect(store.received()).toBe(600);
    expect(store.get(1)).toBeUndefined();
    expect(store.get(600)?.patientId).toBe('patient-600');
    expect(store.get(600)?.summary).toMatch(/answered 200 · stored file-600\.json/);
  });

  it('drops the oldest bodies past the byte bound but keeps their rows', () => {
    const store = createInspectorStore({ maxEntries: 100, maxBodyBytes: 3000 });
    for (let index = 1; index <= 5; index += 1) store.record(messageEvent(index, { bytes: 1000 }));
    const held = store.list().filter((entry) => entry.hasBody).map((entry) => entry.id);
    expect(held).toEqual([5, 4]);
    expect(store.body(1)).toBeUndefined();
    expect(store.get(1)?.patientId).toBe('patient-1');
    expect(JSON.parse(store.body(5)?.toString() ?? '').payload.patientId).toBe('patient-5');
  });

  it('groups deliveries of one messageId and never keeps a legacy webhook key header', () => {
    const store = createInspectorStore();
    store.record(messageEvent(1, { messageId: 'same', headers: { 'x-webhook-key': 'the-secret-key' } }));
    store.record(messageEvent(2));
    store.record(messageEvent(3, { messageId: 'same' }));
    expect(store.attempts(3).map((entry) => entry.id)).toEqual([1, 3]);
    expect(JSON.stringify(store.get(1))).not.toContain('the-secret-key');
  });

  it('tells subscribers the id of each new request', () => {
    const store = createInspectorStore();
    const seen: number[] = [];
    const unsubscribe = store.subscribe((id) => seen.push(id));
    store.record(messageEvent(1));
    store.record({ type: 'verify-failed', at: new Date(), reason: 'signature-mismatch', from: { address: '203.0.113.9', userAgent: 'curl', headers: { 'x-metriport-signature': 'f' } } });
    unsubscribe();
    store.record(messageEvent(3));
    expect(seen).toEqual([1, 2]);
    expect(store.newest(seen).map((entry) => entry.kind)).toEqual(['message', 'refused']);
    expect(store.get(2)?.from).toBe('203.0.113.9, curl');
  });
});
