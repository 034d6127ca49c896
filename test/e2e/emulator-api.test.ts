import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { EMULATOR_API_KEY, type EmulatedWorld, emulatedWorld, PATIENT, schemaIssues, sdk, urlsIn } from '../helpers/emulated-world.js';

// Issue #26 item 3: the API calls that start flows, answered as Metriport's code answers them, judged by
// Metriport's own SDK (its methods, and its zod schemas where it has them) and @metriport/shared's webhook schema.
const worlds: EmulatedWorld[] = [];
afterEach(async () => {
  for (const world of worlds.splice(0)) await world.close();
});

async function world(options: Parameters<typeof emulatedWorld>[0] = {}): Promise<EmulatedWorld> {
  const created = await emulatedWorld(options);
  worlds.push(created);
  return created;
}

async function call(base: string, method: string, path: string, body?: unknown, key = EMULATOR_API_KEY) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as any };
}

async function newPatient(w: EmulatedWorld) {
  const [facility] = await w.api.listFacilities();
  return w.api.createPatient(PATIENT, facility?.id ?? '');
}

describe('patients and facilities', () => {
  it('creates, gets and lists patients as PatientDTOs; any facility id is accepted', async () => {
    const w = await world();
    const facilities = await w.api.listFacilities();
    expect(sdk.facilityListSchema.parse({ facilities }).facilities).toHaveLength(1);
    const created = await w.api.createPatient(PATIENT, 'my-own-facility');
    expect(sdk.patientSchema.parse(created)).toMatchObject({
      firstName: 'Robin',
      facilityIds: ['my-own-facility'],
      externalId: 'crm-4411',
    });
    expect(created.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await w.api.getPatient(created.id)).toEqual(created);
    const second = await w.api.createPatient({ ...PATIENT, externalId: 'crm-4412' }, facilities[0]?.id ?? '');
    // Without pagination parameters Metriport answers every patient, no meta.
    expect(await w.api.listPatients()).toEqual({ patients: [second, created] });
    const page = await w.api.listPatients({ pagination: { count: 1 } });
    expect(page.patients).toEqual([second]);
    expect(page.meta).toMatchObject({ itemsOnPage: 1, itemsInTotal: 2, nextPage: expect.stringContaining('fromItem=') });
    expect((await w.api.listPatientsPage(page.meta.nextPage ?? '')).patients).toEqual([created]);
  });

  it('answers errors as Metriport: the missing query param, every zod issue in one detail, 404 with the id', async () => {
    const w = await world();
    const base = w.emulator.url;
    expect((await call(base, 'POST', '/medical/v1/patient', PATIENT)).json()).toEqual({
      status: 400,
      title: 'BadRequestError',
      detail: 'Missing facilityId query param',
      name: 'Bad Request',
    });
    const invalid = await call(base, 'POST', '/medical/v1/patient?facilityId=f', {
      ...PATIENT,
      dob: '1975-13-01',
      genderAtBirth: 'X',
      address: [{ addressLine1: '9 Test Lane', city: 'Springfield', state: 'IL', zip: '123' }],
    });
    expect(invalid.json()).toEqual({
      status: 400,
      title: 'Missing or invalid parameters',
      detail:
        "Invalid date of birth, on [dob], Invalid enum value. Expected 'F' | 'M' | 'O' | 'U', received 'X', on [genderAtBirth], Zip must be a string consisting of 5 numbers, on [address,0,zip]",
      name: 'Bad Request',
    });
    expect((await call(base, 'GET', '/medical/v1/patient/nope')).json()).toEqual({
      status: 404,
      title: 'NotFoundError',
      detail: 'Could not find patient',
      name: 'Not Found',
      additionalInfo: { id: 'nope' },
    });
  });

  it("sends helmet's headers and CORS on the API's answers, not on the gateway's 403; unknown 404, known-but-not-emulated 501", async () => {
    const w = await world();
    const ok = await call(w.emulator.url, 'GET', '/medical/v1/facility');
    expect(Object.fromEntries(ok.headers)).toMatchObject({
      'access-control-allow-origin': '*',
      'x-content-type-options': 'nosniff',
      'strict-transport-security': 'max-age=15552000; includeSubDomains',
      'cross-origin-embedder-policy': 'require-corp',
      'x-frame-options': 'SAMEORIGIN',
      'x-xss-protection': '0',
    });
    const forbidden = await call(w.emulator.url, 'GET', '/medical/v1/facility', undefined, 'wrong');
    expect([forbidden.status, forbidden.json(), forbidden.headers.get('x-frame-options')]).toEqual([403, { message: 'Forbidden' }, null]);
    expect((await call(w.emulator.url, 'GET', '/medical/v1/nothing')).json()).toEqual({ message: 'Not Found' });
    const notEmulated = await call(w.emulator.url, 'POST', '/medical/v1/patient/match', {});
    expect(notEmulated.status).toBe(501);
    expect(notEmulated.json()).toEqual({
      status: 501,
      title: 'NotImplementedError',
      detail: "The emulator does not emulate POST /medical/v1/patient/match; test it against Metriport's sandbox.",
      name: 'Not Implemented',
    });
  });
});

describe('document query', () => {
  it('answers processing with a requestId; download and conversion share it; every file downloads', async () => {
    const w = await world();
    const patient = await newPatient(w);
    const started = await w.api.startDocumentQuery(patient.id, undefined, { metadata: { clinic: 'north' } });
    expect(sdk.documentQuerySchema.parse(started)).toEqual({ download: { status: 'processing' }, requestId: expect.any(String) });
    const messages = await w.waitForMessages(2);
    expect(messages.map((message) => message.type).sort()).toEqual(['medical.document-conversion', 'medical.document-download']);
    for (const message of messages) {
      expect(schemaIssues(message.body)).toEqual([]);
      expect(message.body.meta).toMatchObject({ requestId: started.requestId, data: { clinic: 'north' } });
    }
    expect(await w.api.getDocumentQueryStatus(patient.id)).toMatchObject({
      download: { status: 'completed', total: 2, successful: 2 },
      convert: { status: 'completed', total: 1 },
      requestId: started.requestId,
    });
    const download = messages.find((message) => message.type === 'medical.document-download');
    const documents = download?.body.patients[0].documents as Array<{ fileName: string; mimeType: string; size: number }>;
    expect(documents.map((document) => document.mimeType)).toEqual(['application/xml', 'application/pdf']);
    const xml = documents[0]?.fileName ?? '';
    expect(xml).toMatch(new RegExp(`^[0-9a-f-]{36}/${patient.id}/[0-9a-f-]{36}_${patient.id}_[0-9a-f-]{36}\\.xml$`));
    const { url } = await w.api.getDocumentUrl(xml);
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('180');
    const ccda = await (await fetch(url)).text();
    expect(ccda).toContain('<ClinicalDocument xmlns="urn:hl7-org:v3"');
    expect(Buffer.byteLength(ccda)).toBe(documents[0]?.size);
    const html = await (await fetch((await w.api.getDocumentUrl(xml, 'html')).url)).text();
    expect(html).toMatch(/^<!DOCTYPE html>/);
    const pdf = Buffer.from(await (await fetch((await w.api.getDocumentUrl(xml, 'pdf')).url)).arrayBuffer());
    expect(pdf.subarray(0, 8).toString()).toBe('%PDF-1.4');
    await expect(w.api.getDocumentUrl(documents[1]?.fileName ?? '', 'html')).rejects.toMatchObject({
      response: { status: 400, data: { detail: 'Source file must be xml to convert to html, but it was application/pdf' } },
    });
    await expect(w.api.getDocumentUrl('nope.xml')).rejects.toMatchObject({
      response: { status: 404, data: { detail: 'File does not exist' } },
    });
    expect((await w.api.listDocuments(patient.id)).documents).toHaveLength(2);
  });

  it('bulk download URLs: {status, requestId} now, then one 10-minute URL per document', async () => {
    const w = await world();
    const patient = await newPatient(w);
    await w.api.startDocumentQuery(patient.id);
    await w.waitForMessages(2);
    const started = await w.api.startBulkGetDocumentUrl(patient.id, { batch: '7' });
    expect(started).toEqual({ status: 'processing', requestId: expect.any(String) });
    const [message] = (await w.waitForMessages(3)).slice(2);
    expect(message?.type).toBe('medical.document-bulk-download-urls');
    expect(schemaIssues(message?.body)).toEqual([]);
    expect(message?.body.meta).toMatchObject({ requestId: started.requestId, data: { batch: '7' } });
    const urls = urlsIn(message?.body);
    expect(urls).toHaveLength(2);
    for (const url of urls) {
      expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('600');
      expect((await fetch(url)).status).toBe(200);
    }
  });

  it('refuses a facility the patient is not at, and keeps one query per patient at a time', async () => {
    const w = await world({ flowDelayMs: 200 });
    const patient = await newPatient(w);
    await expect(w.api.startDocumentQuery(patient.id, 'elsewhere')).rejects.toMatchObject({
      response: { status: 400, data: { detail: 'Patient not associated with given facility' } },
    });
    const first = await w.api.startDocumentQuery(patient.id);
    const second = await w.api.startDocumentQuery(patient.id);
    expect(second.requestId).toBe(first.requestId);
  });
});

describe('consolidated data', () => {
  it('sends the DocumentReference as Metriport builds it, JSON and gzip at its S3 keys, 3 minutes, four string filters', async () => {
    const w = await world();
    const patient = await newPatient(w);
    const started = await w.api.startConsolidatedQuery(patient.id, ['Condition'], '2020-01-01', undefined, 'json', undefined, { a: 'b' });
    expect(sdk.consolidatedQuerySchema.omit({ startedAt: true }).parse(started)).toMatchObject({
      status: 'processing',
      resources: ['Condition'],
    });
    const [message] = await w.waitForMessages(1);
    expect(schemaIssues(message?.body)).toEqual([]);
    expect(message?.body.meta).toMatchObject({ requestId: started.requestId, data: { a: 'b' } });
    const entry = message?.body.patients[0];
    expect(entry.filters).toEqual({ resources: 'Condition', dateFrom: '2020-01-01', dateTo: '', conversionType: 'json' });
    expect(entry.bundle.entry[0].resource).toEqual({
      content: [
        { attachment: { url: expect.any(String), contentType: 'application/json' } },
        { attachment: { url: expect.any(String), contentType: 'application/gzip' } },
      ],
      subject: { reference: `Patient/${patient.id}` },
      resourceType: 'DocumentReference',
    });
    const [json, gzip] = urlsIn(message?.body);
    expect(new URL(json ?? '').pathname).toMatch(new RegExp(`/${patient.id}/[0-9a-f-]{36}_${patient.id}_MR\\.json$`));
    expect(new URL(json ?? '').searchParams.get('X-Amz-Expires')).toBe('180');
    const bundle = await (await fetch(json ?? '')).text();
    expect(gunzipSync(Buffer.from(await (await fetch(gzip ?? '')).arrayBuffer())).toString()).toBe(bundle);
    const types = new Set(
      (JSON.parse(bundle).entry as Array<{ resource: { resourceType: string } }>).map((item) => item.resource.resourceType),
    );
    expect(types.has('Condition') && types.has('Patient') && !types.has('Immunization')).toBe(true);
    expect(await w.api.getConsolidatedQueryStatus(patient.id)).toMatchObject({
      status: 'completed',
      queries: [{ requestId: started.requestId }],
    });
    expect(await w.api.getSingleConsolidatedQueryStatus(patient.id, started.requestId)).toMatchObject({ status: 'completed' });
  });

  it('renders pdf and html as one attachment; refuses what Metriport refuses', async () => {
    const w = await world();
    const patient = await newPatient(w);
    await w.api.startConsolidatedQuery(patient.id, undefined, undefined, undefined, 'pdf');
    const [message] = await w.waitForMessages(1);
    const [pdf] = urlsIn(message?.body);
    expect(new URL(pdf ?? '').pathname).toMatch(/_MR\.html\.pdf$/);
    expect((await (await fetch(pdf ?? '')).text()).startsWith('%PDF-1.4')).toBe(true);
    const wrong = await call(w.emulator.url, 'POST', `/medical/v1/patient/${patient.id}/consolidated/query?conversionType=xml`);
    expect(wrong.json().detail).toBe("Invalid enum value. Expected 'html' | 'pdf' | 'json', received 'xml', on []");
    const badDate = await call(
      w.emulator.url,
      'POST',
      `/medical/v1/patient/${patient.id}/consolidated/query?conversionType=json&dateFrom=2020-1-1`,
    );
    expect(badDate.json().detail).toBe('Date must be in format YYYY-MM-DD - got 2020-1-1');
  });
});

describe('network query', () => {
  it('answers the status (SDK-parsed), then one message per source and first-data-ready, all with the requestId', async () => {
    const w = await world();
    const patient = await newPatient(w);
    const started = await w.api.startNetworkQuery({ patientId: patient.id, sources: ['hie', 'pharmacy', 'lab'] });
    expect(started).toMatchObject({ status: 'processing', sources: [{ type: 'hie' }, { type: 'pharmacy' }, { type: 'lab' }] });
    const messages = await w.waitForMessages(4);
    expect(messages.map((message) => message.type).sort()).toEqual([
      'network-query.hie',
      'network-query.hie.first-data-ready',
      'network-query.lab',
      'network-query.pharmacy',
    ]);
    for (const message of messages) {
      expect(schemaIssues(message.body)).toEqual([]);
      expect(message.body.meta.requestId).toBe(started.requestId);
      expect((await fetch(message.body.payload.consolidatedDataUrl)).status).toBe(200);
    }
    expect(await w.api.getNetworkQueryStatus({ requestId: started.requestId })).toMatchObject({ status: 'completed' });
    const wrong = await call(w.emulator.url, 'POST', `/medical/v1/network/query?patientId=${patient.id}`, { sources: ['laboratory'] });
    expect(wrong.json().detail).toBe("Invalid enum value. Expected 'hie' | 'pharmacy' | 'lab', received 'laboratory', on [sources,0]");
  });
});

describe('bulk patient create', () => {
  const csv = [
    'firstName,lastName,dob,genderAtBirth,addressLine1,city,state,zip,externalId',
    'Ada,Tester,1970-01-02,F,1 Main St,Springfield,IL,62701,b-1',
    'Bo,Tester,not-a-date,M,2 Main St,Springfield,IL,62701,b-2',
  ].join('\n');

  it('waits for the upload, then processing, each patient’s document query, completed with a result CSV', async () => {
    const w = await world();
    const job = (await w.api.api.post('/patient/bulk')).data;
    expect(job).toEqual({
      requestId: expect.any(String),
      facilityId: expect.any(String),
      status: 'waiting',
      uploadUrl: expect.stringContaining('X-Amz-Expires=600'),
      params: { dryRun: false },
      createdAt: expect.any(String),
    });
    expect((await fetch(job.uploadUrl, { method: 'PUT', body: csv, headers: { 'content-type': 'text/csv' } })).status).toBe(200);
    const messages = await w.waitForMessages(4);
    await w.emulator.idle();
    const bulk = w.messages().filter((message) => message.type === 'medical.bulk-patient-create');
    expect(bulk.map((message) => message.body.bulkPatientCreate.status)).toEqual(['processing', 'completed']);
    for (const message of w.messages()) {
      expect(schemaIssues(message.body)).toEqual([]);
      expect(message.body.meta.requestId).toBe(job.requestId);
    }
    expect(messages.length).toBeGreaterThanOrEqual(3);
    const result = await (await fetch(bulk[1]?.body.bulkPatientCreate.result)).text();
    const [header, ok, failed] = result.split('\n');
    expect(header).toBe('firstName,lastName,dob,genderAtBirth,addressLine1,city,state,zip,externalId,metriportId,status,reason');
    expect(ok).toMatch(/^Ada,.*,b-1,[0-9a-f-]{36},successful,$/);
    expect(failed).toBe('Bo,Tester,not-a-date,M,2 Main St,Springfield,IL,62701,b-2,,failed,Missing/invalid dob');
  });

  it('expires when nothing is uploaded: the upload URL answers 403 and the job says expired', async () => {
    const w = await world();
    const job = (await w.api.api.post('/patient/bulk')).data;
    w.emulator.advanceClock(601_000);
    expect((await fetch(job.uploadUrl, { method: 'PUT', body: csv })).status).toBe(403);
    expect((await call(w.emulator.url, 'GET', `/emulator/bulk-imports/${job.requestId}`)).json()).toMatchObject({ status: 'expired' });
    expect(w.messages()).toEqual([]);
  });
});
