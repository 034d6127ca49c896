import { describe, expect, it } from 'vitest';
import { createFlowReader, type FlowStart } from '../../src/inspector/flows.js';
import { createInspectorStore, type InspectorStore } from '../../src/inspector/inspector-store.js';
import type { ReceivedMessage } from '../../src/webhook/message.js';

const START = Date.UTC(2026, 10, 29, 12, 0, 0);
let sent = 0;

/** Delivers one message to the store, `afterMs` after START; its meta gets a messageId and the type. */
function deliver(
  store: InspectorStore,
  input: { type: string; requestId?: string; afterMs: number; body: Record<string, unknown>; duplicateOf?: string },
): number {
  sent += 1;
  const messageId = input.duplicateOf ?? `m-${sent}`;
  const payload = {
    meta: { messageId, ...(input.requestId === undefined ? {} : { requestId: input.requestId }), type: input.type },
    ...input.body,
  };
  const message: ReceivedMessage = {
    receivedAt: new Date(START + input.afterMs),
    type: input.type,
    messageId,
    when: undefined,
    verifiedBy: 'signature',
    raw: Buffer.from(JSON.stringify(payload)),
    payload,
    headers: { 'content-type': 'application/json' },
  };
  store.write({
    type: input.duplicateOf === undefined ? 'message' : 'duplicate',
    at: message.receivedAt,
    message,
    outcome: { status: 200, storedAs: undefined, forward: undefined },
  });
  return store.received();
}

const patient = (status: string, extra: Record<string, unknown> = {}) => ({ patients: [{ patientId: 'p-1', status, ...extra }] });
const download = (status = 'completed', documents: unknown[] | undefined = [{ id: 'd-1', fileName: 'a.xml' }]) =>
  patient(status, documents === undefined ? {} : { documents });
const source = (type: string, status = 'completed') => ({
  payload: { patientId: 'p-1', consolidatedDataUrl: 'u', source: { type, status } },
});
const adt = (admitTimestamp: string, extra: Record<string, unknown> = {}) => ({
  payload: { patientId: 'p-1', url: 'u', admitTimestamp, ...extra },
});

function reader(store: InspectorStore, starts: Record<string, FlowStart> = {}) {
  return createFlowReader({
    members: (keys) => store.flowMembers(keys),
    get: (id) => store.get(id),
    starts: { startOf: (requestId) => starts[requestId] },
  });
}

describe('inspector flows', () => {
  it('groups the messages of one requestId, in arrival order, each timed from the first; others stay apart', () => {
    const store = createInspectorStore();
    const conversion = deliver(store, { type: 'medical.document-conversion', requestId: 'q-1', afterMs: 0, body: patient('completed') });
    deliver(store, { type: 'medical.consolidated-data', requestId: 'q-2', afterMs: 500, body: patient('completed') });
    const download1 = deliver(store, { type: 'medical.document-download', requestId: 'q-1', afterMs: 1250, body: download() });
    expect(store.get(conversion)).toMatchObject({ requestId: 'q-1', flow: 'q-1', noRequestId: false });

    const flow = reader(store).view('q-1');
    expect(flow).toMatchObject({
      kind: 'document-query',
      label: 'Document query',
      state: 'complete',
      waitingFor: [],
      messages: 2,
      spanMs: 1250,
    });
    expect(flow?.steps.map((step) => [step.entry.id, step.offsetMs])).toEqual([
      [conversion, 0],
      [download1, 1250],
    ]);
    expect(flow?.requestIds).toEqual(['q-1']);
    expect(
      reader(store)
        .summaries(['q-2', undefined])
        .map((summary) => [summary.kind, summary.state, summary.messages]),
    ).toEqual([['consolidated', 'complete', 1]]);
  });

  it('says what a flow is waiting for, kind by kind, and when it ended without it', () => {
    const store = createInspectorStore();
    const read = reader(store);
    const state = (key: string) => {
      const summary = read.summaries([key])[0];
      return [summary?.kind, summary?.state, summary?.waitingFor];
    };
    // A document query: the download without its conversion waits; a failed download, or one that found nothing, ends it.
    deliver(store, { type: 'medical.document-download', requestId: 'dq', afterMs: 0, body: download() });
    expect(state('dq')).toEqual(['document-query', 'waiting', ['medical.document-conversion']]);
    deliver(store, { type: 'medical.document-conversion', requestId: 'dq-2', afterMs: 0, body: patient('completed') });
    expect(state('dq-2')).toEqual(['document-query', 'waiting', ['medical.document-download']]);
    deliver(store, { type: 'medical.document-download', requestId: 'dq-failed', afterMs: 0, body: download('failed', undefined) });
    expect(state('dq-failed')).toEqual(['document-query', 'complete', []]);
    expect(read.summaries(['dq-failed'])[0]?.failed).toBe(true);
    deliver(store, { type: 'medical.document-download', requestId: 'dq-empty', afterMs: 0, body: download('completed', []) });
    expect(state('dq-empty')).toEqual(['document-query', 'complete', []]);

    // A bulk import at processing waits for completed or failed; its patients' document queries are part of it.
    deliver(store, {
      type: 'medical.bulk-patient-create',
      requestId: 'job',
      afterMs: 0,
      body: { bulkPatientCreate: { requestId: 'job', status: 'processing' } },
    });
    deliver(store, { type: 'medical.document-download', requestId: 'job', afterMs: 10, body: download() });
    expect(state('job')).toEqual(['bulk-import', 'waiting', ['medical.bulk-patient-create']]);
    deliver(store, {
      type: 'medical.bulk-patient-create',
      requestId: 'job',
      afterMs: 20,
      body: { bulkPatientCreate: { requestId: 'job', status: 'completed' } },
    });
    expect(state('job')).toEqual(['bulk-import', 'complete', []]);

    // A network query: first-data-ready promises the HIE's result; without the call, more sources may come.
    deliver(store, { type: 'network-query.hie.first-data-ready', requestId: 'nq', afterMs: 0, body: source('hie', 'processing') });
    expect(state('nq')).toEqual(['network-query', 'waiting', ['network-query.hie']]);
    deliver(store, { type: 'network-query.hie', requestId: 'nq', afterMs: 5, body: source('hie') });
    expect(state('nq')).toEqual(['network-query', 'open', []]);
    for (const type of ['pharmacy', 'lab'])
      deliver(store, { type: `network-query.${type}`, requestId: 'nq', afterMs: 9, body: source(type) });
    expect(state('nq')).toEqual(['network-query', 'complete', []]);

    // A key none of whose messages is held is no flow.
    expect(state('nothing-yet')).toEqual([undefined, undefined, undefined]);
  });

  it('groups ADT by hospital stay (patient and admit time), since each HL7 message has a requestId of its own', () => {
    const store = createInspectorStore();
    const admit = deliver(store, { type: 'patient.admit', requestId: 'hl7-1', afterMs: 0, body: adt('2026-11-28T09:00:00.000Z') });
    deliver(store, { type: 'patient.admit', requestId: 'hl7-x', afterMs: 1, body: adt('2026-11-01T09:00:00.000Z') });
    const transfer = deliver(store, {
      type: 'patient.transfer',
      requestId: 'hl7-2',
      afterMs: 3000,
      body: adt('2026-11-28T09:00:00.000Z', { transfers: [] }),
    });
    const stay = store.get(admit)?.flow ?? '';
    expect(stay).toBe('stay p-1 2026-11-28T09:00:00.000Z');
    expect(store.get(admit)?.requestId).toBe('hl7-1');
    expect(store.get(transfer)?.flow).toBe(stay);
    const waiting = reader(store).view(stay);
    expect(waiting).toMatchObject({
      kind: 'adt',
      state: 'waiting',
      waitingFor: ['patient.discharge'],
      messages: 2,
      requestIds: ['hl7-1', 'hl7-2'],
    });
    deliver(store, { type: 'patient.discharge', requestId: 'hl7-3', afterMs: 9000, body: adt('2026-11-28T09:00:00.000Z') });
    expect(reader(store).view(stay)).toMatchObject({ state: 'complete', messages: 3, spanMs: 9000 });
    // No admit time: nothing to tie it by.
    const bare = deliver(store, { type: 'patient.discharge', requestId: 'hl7-4', afterMs: 9000, body: { payload: { patientId: 'p-1' } } });
    expect(store.get(bare)).toMatchObject({ requestId: 'hl7-4', flow: undefined, noRequestId: false });
  });

  it('ties a message without meta.requestId to no flow, and says so for a flow’s types only', () => {
    const store = createInspectorStore();
    const download1 = deliver(store, { type: 'medical.document-download', requestId: 'dq', afterMs: 0, body: download() });
    // The sandbox's conversion: same patient, moments later, no requestId. Never guessed into the download's flow.
    const conversion = deliver(store, { type: 'medical.document-conversion', afterMs: 40, body: patient('completed') });
    const empty = deliver(store, { type: 'medical.document-conversion', requestId: '', afterMs: 50, body: patient('completed') });
    const device = deliver(store, { type: 'devices.health-data', afterMs: 60, body: { users: [{ userId: 'u-1' }] } });
    expect(store.get(conversion)).toMatchObject({ requestId: undefined, flow: undefined, noRequestId: true });
    expect(store.get(empty)).toMatchObject({ requestId: undefined, flow: undefined, noRequestId: true });
    expect(store.get(device)).toMatchObject({ flow: undefined, noRequestId: false });
    expect(
      reader(store)
        .view('dq')
        ?.steps.map((step) => step.entry.id),
    ).toEqual([download1]);
    expect(reader(store).view('dq')?.state).toBe('waiting');
    expect(store.flowMembers(new Set(['dq', ''])).size).toBe(1);
  });

  it('puts the API call that started a flow first when its source knows it: the kind, the sources asked, the timing', () => {
    const store = createInspectorStore();
    deliver(store, { type: 'network-query.pharmacy', requestId: 'nq', afterMs: 2000, body: source('pharmacy') });
    deliver(store, { type: 'network-query.lab', requestId: 'nq', afterMs: 3500, body: source('lab') });
    const starts: Record<string, FlowStart> = {
      nq: {
        flow: 'network-query',
        call: 'POST /medical/v1/network/query',
        at: new Date(START + 500).toISOString(),
        patientId: 'p-1',
        sources: ['hie', 'pharmacy', 'laboratory'],
      },
    };
    const flow = reader(store, starts).view('nq');
    expect(flow).toMatchObject({
      kind: 'network-query',
      state: 'waiting',
      waitingFor: ['network-query.hie'],
      firstAt: new Date(START + 500).toISOString(),
      spanMs: 3000,
      startedBy: { call: 'POST /medical/v1/network/query', offsetMs: 0, sources: ['hie', 'pharmacy', 'laboratory'] },
    });
    expect(flow?.steps.map((step) => step.offsetMs)).toEqual([1500, 3000]);
    // A duplicate delivery is part of its flow; a stay's key is never looked up as a requestId.
    deliver(store, { type: 'network-query.lab', requestId: 'nq', afterMs: 4000, body: source('lab'), duplicateOf: 'm-dup' });
    expect(reader(store, starts).view('nq')?.messages).toBe(3);
  });

  it('keeps flows within the store’s bound: a pushed-out message leaves its flow', () => {
    const store = createInspectorStore({ maxEntries: 2 });
    deliver(store, { type: 'medical.document-download', requestId: 'dq', afterMs: 0, body: download() });
    deliver(store, { type: 'medical.document-conversion', requestId: 'dq', afterMs: 10, body: patient('completed') });
    deliver(store, { type: 'medical.consolidated-data', requestId: 'cq', afterMs: 20, body: patient('completed') });
    expect(reader(store).view('dq')).toMatchObject({ messages: 1, state: 'waiting', waitingFor: ['medical.document-download'] });
    deliver(store, { type: 'medical.consolidated-data', requestId: 'cq-2', afterMs: 30, body: patient('completed') });
    expect(reader(store).view('dq')).toBeUndefined();
  });
});
