import { describe, expect, it } from 'vitest';
import { summarizePayload } from '../../src/output/summarize.js';
import { listSampleTypes, loadSample } from '../../src/samples/samples.js';

const P1 = '0195d964-d166-7226-8912-76934c23c140';
const _P2 = '0195d964-d166-7226-8912-76934c23c141';

const expected: Record<string, string> = {
  'medical.document-download': `patient ${P1} completed 2 docs`,
  'medical.document-conversion': `patient ${P1} completed`,
  'medical.document-bulk-download-urls': `patient ${P1} completed 2 docs`,
  'medical.document-bulk-download-paged': `patient ${P1} completed page 1 of 3 (6 in all), 2 docs`,
  'medical.consolidated-data': `patient ${P1} completed as json, 2 attachments (json, gzip)`,
  'medical.bulk-patient-create': 'request 0195d9a0-aaaa-7bbb-8ccc-000000000005 completed result CSV ready',
  'patient.admit': `patient ${P1} admitted 2026-11-02T13:45:00.000Z`,
  'patient.discharge': `patient ${P1} discharged 2026-11-04T10:30:00.000Z`,
  'patient.transfer': `patient ${P1} 1 transfer, latest Example General Emergency Department → Example General Ward 4`,
  'patient.pharmacy': `patient ${P1} dispensed 2026-11-01`,
  'patient.laboratory': `patient ${P1} specimen collected 2026-10-31`,
  'network-query.hie': `patient ${P1} source hie (Example Regional HIE) completed`,
  'network-query.pharmacy': `patient ${P1} source pharmacy (Example Pharmacy Network) completed`,
  'network-query.lab': `patient ${P1} source lab (Example Reference Lab) completed`,
  'network-query.hie.first-data-ready': `patient ${P1} source hie processing first data at 2026-11-02T15:02:10.000Z`,
  'message.status': `message 0195da00-5555-7666-8777-000000000001 patient ${P1} completed`,
  'devices.health-data': 'user devuser-7f3a2c activity 1, sleep 1, body 1, biometrics 1',
  'devices.provider-connected': 'user devuser-7f3a2c providers: oura connected: fitbit, oura',
  'devices.provider-disconnected': 'user devuser-7f3a2c providers: fitbit connected: oura',
};

const expectedFailed: Record<string, string> = {
  'medical.document-download': `patient ${P1} failed`,
  'medical.consolidated-data': `patient ${P1} failed as json`,
  'message.status': `message 0195da00-5555-7666-8777-000000000001 patient ${P1} failed: The recipient's direct address rejected the message`,
  'network-query.lab': `patient ${P1} source lab (Example Reference Lab) failed`,
  'medical.bulk-patient-create': 'request 0195d9a0-aaaa-7bbb-8ccc-000000000005 failed',
};

describe('summarizePayload', () => {
  it('has a sample for every message type of the protocol notes', () => {
    expect(listSampleTypes()).toEqual([...Object.keys(expected), 'ping'].sort());
  });

  it.each(Object.entries(expected))('summarises %s', (type, summary) => {
    expect(summarizePayload(type, loadSample(type))).toBe(summary);
  });

  it.each(Object.entries(expectedFailed))('summarises a failed %s with what went wrong', (type, summary) => {
    expect(summarizePayload(type, loadSample(type, 'failed'))).toBe(summary);
  });

  it('lists at most three patients and counts the rest', () => {
    const patients = Array.from({ length: 5 }, (_, i) => ({ patientId: `p${i}`, status: 'completed' }));
    expect(summarizePayload('medical.document-conversion', { patients })).toBe(
      '5 patients: p0 completed; p1 completed; p2 completed; +2 more',
    );
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
