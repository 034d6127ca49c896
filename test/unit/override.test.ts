import { describe, expect, it } from 'vitest';
import { applyOverride, OverrideError } from '../../src/samples/build-message.js';
import { loadSample } from '../../src/samples/samples.js';

function shapesOf(type: string): Record<string, unknown>[] {
  return [loadSample(type, 'completed'), loadSample(type, 'failed')].filter((shape) => shape !== undefined);
}

function refusal(type: string, assignment: string): OverrideError {
  const payload = loadSample(type) as Record<string, unknown>;
  const before = JSON.stringify(payload);
  try {
    applyOverride(payload, assignment, shapesOf(type));
  } catch (error) {
    expect(error).toBeInstanceOf(OverrideError);
    // A refused --set leaves the payload as it was.
    expect(JSON.stringify(payload)).toBe(before);
    return error as OverrideError;
  }
  throw new Error(`--set ${assignment} was accepted`);
}

describe('--set against the shape of the type', () => {
  const paged = 'medical.document-bulk-download-paged';

  it('refuses a misspelt field and names the one meant', () => {
    const error = refusal(paged, 'patients.0.pagnation.page=2');
    expect(error.message).toBe('"patients.0.pagnation" is not a field of this message');
    expect(error.hint).toBe('Did you mean patients.0.pagination?');
    expect(refusal(paged, 'patients.0.pagination.pag=2').hint).toBe('Did you mean patients.0.pagination.page?');
    expect(refusal(paged, 'meta.tpye=x').hint).toBe('Did you mean meta.type?');
  });

  it('lists the fields when nothing is close', () => {
    const error = refusal('devices.provider-connected', 'zzzzzzzzzzzz=1');
    expect(error.hint).toMatch(/^Fields there: meta, .*; fields of your own go under meta\.data\.$/);
  });

  it('sets what Metriport sends, including fields only the other outcome has', () => {
    const payload = loadSample(paged) as { patients: { pagination: { page: number } }[] };
    applyOverride(payload, 'patients.0.pagination.page=2', shapesOf(paged));
    expect(payload.patients[0]?.pagination.page).toBe(2);
    const failed = loadSample('medical.document-download', 'failed') as { patients: Record<string, unknown>[] };
    expect(failed.patients[0]).not.toHaveProperty('documents');
    applyOverride(failed, 'patients.0.documents=[]', shapesOf('medical.document-download'));
    expect(failed.patients[0]?.documents).toEqual([]);
  });

  it('lets any key go under meta.data and inside a FHIR resource', () => {
    const payload = loadSample('medical.consolidated-data') as {
      meta: { data: unknown };
      patients: { bundle: { entry: { resource: Record<string, unknown> }[] } }[];
    };
    applyOverride(payload, 'meta.data.clinic.name=north', shapesOf('medical.consolidated-data'));
    expect(payload.meta.data).toEqual({ clinic: { name: 'north' } });
    applyOverride(payload, 'patients.0.bundle.entry.0.resource.description="x"', shapesOf('medical.consolidated-data'));
    expect(payload.patients[0]?.bundle.entry[0]?.resource.description).toBe('x');
  });

  it('never adds list entries or reaches through the prototype', () => {
    expect(refusal(paged, 'patients.1.status=failed').hint).toBe('The list has 1 entry, from 0.');
    expect(refusal(paged, 'patients.length=0').message).toBe('"patients.length" does not exist in this sample');
    expect(refusal(paged, 'meta.data.__proto__.x=1').message).toBe('"__proto__" cannot be set');
    expect(refusal(paged, 'no-equals-sign').hint).toBe('Write it as path=value, e.g. --set meta.data.clinic=7.');
  });
});
