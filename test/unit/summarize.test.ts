import { describe, expect, it } from 'vitest';
import { listSampleTypes, loadSample } from '../../src/fixtures/samples.js';
import { summarizePayload } from '../../src/output/summarize.js';

const P1 = '0195d964-d166-7226-8912-76934c23c140';
const P2 = '0195d964-d166-7226-8912-76934c23c141';

const expected: Record<string, string> = {
  'medical.document-download': `2 patients: ${P1} completed 2 docs; ${P2} failed`,
  'medical.document-conversion': `patient ${P1} completed`,
  'medical.document-bulk-download-urls': `patient ${P1} completed 1 doc`,
  'medical.consolidated-data': `patient ${P1} completed 2 bundle entries`,
  'medical.bulk-patient-create': 'request 0195d9a0-aaaa-7bbb-8ccc-000000000005 completed result CSV ready',
  'patient.admit': `patient ${P1} admitted 2026-11-02T13:45:00.000Z`,
  'patient.discharge': `patient ${P1} discharged 2026-11-05T10:20:00.000Z`,
  'patient.transfer': `patient ${P1} 1 transfer`,
  'devices.health-data': 'user devuser-7f3a2c activity 1, sleep 1, body 1, biometrics 1',
  'devices.provider-connected': 'user devuser-7f3a2c providers: oura connected: fitbit, oura',
  'devices.provider-disconnected': 'user devuser-7f3a2c providers: fitbit connected: oura',
  'network-query.hie': `patient ${P1} fields: patientId, status, consolidatedDataUrl`,
  'network-query.pharmacy': `patient ${P1} fields: patientId, status, consolidatedDataUrl`,
  'network-query.lab': `patient ${P1} fields: patientId, status, consolidatedDataUrl`,
};

describe('summarizePayload', () => {
  it('has a sample for every message type of the protocol notes', () => {
    expect(listSampleTypes()).toEqual([...Object.keys(expected), 'ping'].sort());
  });

  it.each(Object.entries(expected))('summarises %s', (type, summary) => {
    expect(summarizePayload(type, loadSample(type))).toBe(summary);
  });

  it('lists at most three patients and counts the rest', () => {
    const patients = Array.from({ length: 5 }, (_, i) => ({ patientId: `p${i}`, status: 'completed' }));
    expect(summarizePayload('medical.document-conversion', { patients })).toBe('5 patients: p0 completed; p1 completed; p2 completed; +2 more');
  });

  it.each([
    ['brand.new-type', { meta: {}, alpha: 1, beta: 2 }, 'fields: alpha, beta'],
    ['brand.new-type', { meta: {} }, 'no fields besides meta'],
    ['brand.new-type', { meta: {}, patients: [{ patientId: 'p9', status: 'processing' }] }, 'patient p9 processing'],
    ['unknown', [1, 2], 'array body'],
    ['medical.document-download', { meta: {} }, 'no patients'],
  ])('summarises unknown or odd %s bodies', (type, payload, summary) => {
    expect(summarizePayload(type, payload)).toBe(summary);
  });
});
