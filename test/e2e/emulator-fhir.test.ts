import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sendOneOfEach } from '../../src/emulator/send-samples.js';
import { type EmulatedWorld, emulatedWorld, PATIENT, schemaIssues, urlsIn } from '../helpers/emulated-world.js';
import { fhirValidator, xmlProblems } from '../helpers/fhir-validator.js';

// Issue #26 item 2: the files messages point to are realistic and valid, judged by a real FHIR R4 validator.
let validate: (resource: unknown) => void;
beforeAll(async () => {
  validate = await fhirValidator();
});

const worlds: EmulatedWorld[] = [];
afterEach(async () => {
  for (const world of worlds.splice(0)) await world.close();
});

async function world(): Promise<EmulatedWorld> {
  const created = await emulatedWorld();
  worlds.push(created);
  return created;
}

/** Validates a Bundle and each resource in it; answers the resources. */
function validBundle(bundle: { resourceType: string; entry?: Array<{ resource: unknown }> }): Array<Record<string, any>> {
  expect(bundle.resourceType).toBe('Bundle');
  validate(bundle);
  const resources = (bundle.entry ?? []).map((entry) => entry.resource as Record<string, any>);
  for (const resource of resources) validate(resource);
  return resources;
}

async function download(url: string): Promise<{ type: string; body: Buffer }> {
  const response = await fetch(url);
  expect(response.status, url).toBe(200);
  return { type: response.headers.get('content-type') ?? '', body: Buffer.from(await response.arrayBuffer()) };
}

describe('FHIR the emulator serves, judged by @medplum/core', () => {
  it('the validator is not a rubber stamp', () => {
    expect(() => validate({ resourceType: 'Patient', birthDate: '1990-13-01' })).toThrow(/Invalid date format/);
    // The DocumentReference of a medical.consolidated-data message, as Metriport builds it, has no status.
    expect(() => validate({ resourceType: 'DocumentReference', content: [{ attachment: { url: 'x' } }] })).toThrow(/status/);
  });

  it('consolidated data, a network query, the documents list and every flow file are valid R4', async () => {
    const w = await world();
    const [facility] = await w.api.listFacilities();
    const patient = await w.api.createPatient(PATIENT, facility?.id ?? '');
    await w.api.startConsolidatedQuery(patient.id, undefined, undefined, undefined, 'json');
    await w.api.startNetworkQuery({ patientId: patient.id, sources: ['hie', 'pharmacy', 'lab'] });
    await w.api.startDocumentQuery(patient.id);
    await w.emulator.idle();
    let bundles = 0;
    for (const message of w.messages()) {
      for (const url of urlsIn(message.body)) {
        const file = await download(url);
        if (file.type === 'application/json') {
          const resources = validBundle(JSON.parse(file.body.toString()));
          expect(resources.some((resource) => resource.resourceType === 'Patient' && resource.id === patient.id)).toBe(true);
          bundles += 1;
        }
      }
    }
    expect(bundles).toBe(5);
    const { documents } = await w.api.listDocuments(patient.id);
    for (const document of documents) validate(document);
  });

  it('an ADT stay: admit, transfer and discharge bundles are valid and share one Encounter', async () => {
    const w = await world();
    const result = await w.emulator.playFlow({ flow: 'adt' });
    const messages = w.messages();
    expect(messages.map((message) => message.type)).toEqual(['patient.admit', 'patient.transfer', 'patient.discharge']);
    const encounters = [];
    for (const message of messages) {
      expect(schemaIssues(message.body)).toEqual([]);
      const resources = validBundle(JSON.parse((await download(message.body.payload.url)).body.toString()));
      expect(resources.map((resource) => resource.resourceType)).toEqual(
        expect.arrayContaining(['Patient', 'Encounter', 'Location', 'Condition']),
      );
      encounters.push(resources.find((resource) => resource.resourceType === 'Encounter'));
    }
    expect(new Set(encounters.map((encounter) => encounter?.id))).toEqual(new Set([result.requestId]));
    expect(encounters.map((encounter) => encounter?.status)).toEqual(['in-progress', 'in-progress', 'finished']);
    expect(new Set(messages.map((message) => message.body.meta.requestId)).size).toBe(3);
  });

  it("listen --emulator's tour: every URL in every sample points at a valid file the emulator serves", async () => {
    const w = await world();
    await sendOneOfEach({ account: w.emulator.account, signal: new AbortController().signal, now: () => new Date() });
    const messages = w.messages();
    expect(messages.length).toBe(19);
    const kinds: string[] = [];
    for (const message of messages) {
      expect(message.raw).not.toContain('example.org');
      for (const url of urlsIn(message.body)) {
        expect(url.startsWith(w.emulator.url)).toBe(true);
        const file = await download(url);
        kinds.push(file.type);
        if (file.type === 'application/json') validBundle(JSON.parse(file.body.toString()));
        if (file.type === 'application/xml') expect(xmlProblems(file.body.toString())).toEqual([]);
        if (file.type === 'application/pdf') expect(file.body.subarray(0, 5).toString()).toBe('%PDF-');
        if (file.type === 'text/csv') expect(file.body.toString()).toMatch(/,metriportId,status,reason\n/);
      }
    }
    expect(new Set(kinds)).toEqual(new Set(['application/json', 'application/gzip', 'application/xml', 'application/pdf', 'text/csv']));
  });

  it('the C-CDA documents are well-formed HL7 v3 CCDs', async () => {
    const w = await world();
    const [facility] = await w.api.listFacilities();
    const patient = await w.api.createPatient(PATIENT, facility?.id ?? '');
    await w.api.startDocumentQuery(patient.id);
    await w.emulator.idle();
    const download = w.messages().find((message) => message.type === 'medical.document-download');
    const xml = await (await fetch((await w.api.getDocumentUrl(download?.body.patients[0].documents[0].fileName)).url)).text();
    expect(xmlProblems(xml)).toEqual([]);
    expect(xml).toContain('<templateId root="2.16.840.1.113883.10.20.22.1.2" extension="2015-08-01"/>');
    expect(xml).toContain(`<given>${PATIENT.firstName}</given><family>${PATIENT.lastName}</family>`);
    expect(xmlProblems('<a><b></a>')).not.toEqual([]);
  });
});
