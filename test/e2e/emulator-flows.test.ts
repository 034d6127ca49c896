import { afterEach, describe, expect, it } from 'vitest';
import { FlowError } from '../../src/emulator/flows.js';
import { EMULATOR_API_KEY, type EmulatedWorld, emulatedWorld, schemaIssues, sdk, urlsIn } from '../helpers/emulated-world.js';

// Issue #26 item 4: whole flows without app code, and the faults Metriport really has.
const worlds: EmulatedWorld[] = [];
afterEach(async () => {
  for (const world of worlds.splice(0)) await world.close();
});

async function world(): Promise<EmulatedWorld> {
  const created = await emulatedWorld();
  worlds.push(created);
  return created;
}

const types = (w: EmulatedWorld) => w.messages().map((message) => message.type);

describe('flows as Metriport plays them', () => {
  it('document-query: download and conversion with one requestId, then the bulk URLs; every message passes the schema', async () => {
    const w = await world();
    const result = await w.emulator.playFlow({ flow: 'document-query', metadata: { source: 'test' } });
    expect(types(w).slice(0, 2).sort()).toEqual(['medical.document-conversion', 'medical.document-download']);
    expect(types(w)[2]).toBe('medical.document-bulk-download-urls');
    for (const message of w.messages()) expect(schemaIssues(message.body)).toEqual([]);
    expect(
      w
        .messages()
        .slice(0, 2)
        .map((message) => message.body.meta.requestId),
    ).toEqual([result.requestId, result.requestId]);
    expect(result.messages.map((message) => message.delivery)).toEqual(['success', 'success', 'success']);
  });

  it('the order of download and conversion follows the seed', async () => {
    const orders = new Set<string>();
    for (let run = 0; run < 6; run += 1) {
      const w = await world();
      await w.emulator.playFlow({ flow: 'document-query' });
      orders.add(types(w).slice(0, 2).join(' then '));
    }
    // Same seed, same order, every run.
    expect(orders.size).toBe(1);
  });

  it('consolidated, network-query, bulk-import and adt pass the schema, tied by their requestId', async () => {
    const w = await world();
    const consolidated = await w.emulator.playFlow({ flow: 'consolidated' });
    const network = await w.emulator.playFlow({ flow: 'network-query' });
    const bulk = await w.emulator.playFlow({ flow: 'bulk-import' });
    await w.emulator.playFlow({ flow: 'adt' });
    for (const message of w.messages()) expect(schemaIssues(message.body)).toEqual([]);
    const byRequest = (requestId: string) =>
      w
        .messages()
        .filter((message) => message.body.meta.requestId === requestId)
        .map((message) => message.type);
    expect(byRequest(consolidated.requestId)).toEqual(['medical.consolidated-data']);
    expect(byRequest(network.requestId)).toHaveLength(4);
    // Two valid rows: two patients' document queries, between processing and completed.
    expect(byRequest(bulk.requestId)).toEqual([
      'medical.bulk-patient-create',
      ...Array(4).fill(expect.stringMatching(/^medical\.document-(download|conversion)$/)),
      'medical.bulk-patient-create',
    ]);
  });
});

describe('faults, each as Metriport has it', () => {
  it('no-request-id: the conversion comes without meta.requestId (the sandbox sends "")', async () => {
    const w = await world();
    await w.emulator.playFlow({ flow: 'document-query', faults: ['no-request-id'] });
    const conversion = w.messages().find((message) => message.type === 'medical.document-conversion');
    expect(Object.keys(conversion?.body.meta)).toEqual(['messageId', 'when', 'type']);
  });

  it('empty-documents: documents: [] and no conversion message', async () => {
    const w = await world();
    await w.emulator.playFlow({ flow: 'document-query', faults: ['empty-documents'] });
    expect(types(w)).toEqual(['medical.document-download']);
    expect(w.messages()[0]?.body.patients[0].documents).toEqual([]);
  });

  it("failed: a failed document-download has no documents key, the real shape the SDK's parser rejects", async () => {
    const w = await world();
    await w.emulator.playFlow({ flow: 'document-query', faults: ['failed'] });
    const [message] = w.messages();
    expect(message?.raw).toMatch(/"patients":\[\{"status":"failed","patientId":"[^"]+"\}\]\}$/);
    expect(schemaIssues(message?.body)).toEqual(['patients.0.documents: Required']);
    expect(sdk.MetriportMedicalApi.parseWebhookResponse(message?.body, false)).toHaveProperty('errors');
  });

  it('failed: consolidated data without a bundle; a network query with one failed source (partial)', async () => {
    const w = await world();
    await w.emulator.playFlow({ flow: 'consolidated', faults: ['failed'] });
    const failed = w.messages()[0]?.body.patients[0];
    expect(failed).toEqual({ status: 'failed', filters: { resources: '', conversionType: 'json' }, patientId: expect.any(String) });
    const network = await w.emulator.playFlow({ flow: 'network-query', faults: ['failed'] });
    const statuses = w
      .messages()
      .slice(1)
      .filter((message) => message.body.payload.source.completedAt)
      .map((message) => message.body.payload.source.status);
    expect(statuses.sort()).toEqual(['completed', 'completed', 'failed']);
    expect(await w.api.getNetworkQueryStatus({ requestId: network.requestId })).toMatchObject({ status: 'partial' });
  });

  it('duplicate: one message twice with the same messageId, the second without meta.data', async () => {
    const w = await world();
    await w.emulator.playFlow({ flow: 'document-query', faults: ['duplicate'], metadata: { a: '1' } });
    const downloads = w.messages().filter((message) => message.type === 'medical.document-download');
    expect(downloads).toHaveLength(2);
    expect(downloads[1]?.body.meta.messageId).toBe(downloads[0]?.body.meta.messageId);
    expect([downloads[0]?.body.meta.data, downloads[1]?.body.meta.data]).toEqual([{ a: '1' }, undefined]);
  });

  it('out-of-order: conversion before download; first-data-ready after the HIE result; discharge before transfer', async () => {
    const w = await world();
    await w.emulator.playFlow({ flow: 'document-query', faults: ['out-of-order'] });
    expect(types(w).slice(0, 2)).toEqual(['medical.document-conversion', 'medical.document-download']);
    await w.emulator.playFlow({ flow: 'network-query', faults: ['out-of-order'] });
    const hie = types(w).filter((type) => type.startsWith('network-query.hie'));
    expect(hie).toEqual(['network-query.hie', 'network-query.hie.first-data-ready']);
    await w.emulator.playFlow({ flow: 'adt', faults: ['out-of-order'] });
    expect(types(w).filter((type) => type.startsWith('patient.'))).toEqual(['patient.admit', 'patient.discharge', 'patient.transfer']);
  });

  it('stuck: nothing comes and the query stays processing', async () => {
    const w = await world();
    const query = await w.emulator.playFlow({ flow: 'document-query', faults: ['stuck'] });
    expect(query.stuck).toBe(true);
    expect(await w.api.getDocumentQueryStatus(query.patientId ?? '')).toMatchObject({ download: { status: 'processing' } });
    const consolidated = await w.emulator.playFlow({ flow: 'consolidated', faults: ['stuck'] });
    expect(await w.api.getConsolidatedQueryStatus(consolidated.patientId ?? '')).toMatchObject({ status: 'processing' });
    const bulk = await w.emulator.playFlow({ flow: 'bulk-import', faults: ['stuck'] });
    expect(w.messages().map((message) => message.body.bulkPatientCreate?.status)).toEqual(['processing']);
    expect(bulk.stuck).toBe(true);
  });

  it('expired-retry: a late retry whose URLs answer 403, with its old meta.when and no meta.data', async () => {
    const w = await world();
    await w.emulator.playFlow({ flow: 'consolidated', faults: ['expired-retry'], metadata: { a: '1' } });
    const [message] = w.messages();
    expect(Date.now() - Date.parse(message?.body.meta.when)).toBeGreaterThan(180_000);
    expect(message?.body.meta.data).toBeUndefined();
    for (const url of urlsIn(message?.body)) {
      const answer = await fetch(url);
      expect([answer.status, await answer.text()]).toEqual([403, expect.stringContaining('<Message>Request has expired</Message>')]);
    }
  });

  it('no-upload: no message, and the job expires once its upload URL does', async () => {
    const w = await world();
    const result = await w.emulator.playFlow({ flow: 'bulk-import', faults: ['no-upload'] });
    expect(w.messages()).toEqual([]);
    expect(w.emulator.medical.importJob(result.requestId).status).toBe('waiting');
    w.emulator.advanceClock(601_000);
    expect(w.emulator.medical.importJob(result.requestId).status).toBe('expired');
  });

  it('refuses a fault that does not apply, in the engine and on the /emulator/flows route', async () => {
    const w = await world();
    await expect(w.emulator.playFlow({ flow: 'adt', faults: ['empty-documents'] })).rejects.toThrow(FlowError);
    const answer = await fetch(`${w.emulator.url}/emulator/flows/adt`, {
      method: 'POST',
      headers: { 'x-api-key': EMULATOR_API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ faults: ['empty-documents'] }),
    });
    expect(await answer.json()).toMatchObject({
      status: 400,
      detail: '"empty-documents" does not apply to the adt flow; it takes duplicate, out-of-order, stuck, expired-retry.',
    });
    const played = await fetch(`${w.emulator.url}/emulator/flows/consolidated`, {
      method: 'POST',
      headers: { 'x-api-key': EMULATOR_API_KEY, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(await played.json()).toMatchObject({ flow: 'consolidated', stuck: false, messages: [{ type: 'medical.consolidated-data' }] });
  });

  it('POST /emulator/reset starts a new account: a new customer id, no settings, no patients', async () => {
    const w = await world();
    const played = await w.emulator.playFlow({ flow: 'consolidated' });
    const before = w.emulator.account.cxId;
    const answer = await fetch(`${w.emulator.url}/emulator/reset`, { method: 'POST', headers: { 'x-api-key': EMULATOR_API_KEY } });
    expect(((await answer.json()) as { cxId: string }).cxId).not.toBe(before);
    expect(w.emulator.account.hasSettings()).toBe(false);
    expect(w.emulator.medical.findPatient(played.patientId ?? '')).toBeUndefined();
    expect(w.emulator.account.history()).toEqual([]);
  });
});
