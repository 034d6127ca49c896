import { randomUUID } from 'node:crypto';
import { isRecord } from '../util/json.js';
import type { ShapeId } from './results.js';

/**
 * The bytes `check` sends, written as Metriport writes them. Its sender posts `JSON.stringify({meta, ...payload})`
 * where `meta` is built in code (messageId, requestId, when, type, data) and the payload is read back from a
 * Postgres JSONB column, so every object below `meta` has its keys in JSONB order (shorter keys first, then
 * bytewise), on the first delivery as on retries (metriport-protocol.md, "Payloads").
 */

/** A sample message as the samples module gives it: `meta` plus the body fields. */
export type Message = Record<string, unknown> & { meta: Record<string, unknown> };

/** What a document-query flow sends first: every later check's messages have its shape. */
export const BASELINE_TYPE = 'medical.document-download';

const META_ORDER = ['messageId', 'requestId', 'when', 'type', 'data'] as const;

/** `JSON.stringify` of `message` with Metriport's key order: what its sender signs and sends. */
export function metriportBytes(message: Message): Buffer {
  const meta: Record<string, unknown> = {};
  for (const key of META_ORDER) if (message.meta[key] !== undefined) meta[key] = jsonbOrder(message.meta[key]);
  const { meta: _meta, ...payload } = message;
  return Buffer.from(JSON.stringify({ meta, ...(jsonbOrder(payload) as object) }));
}

/** Postgres JSONB's key order, at every depth: shorter keys first (in bytes), then bytewise. */
export function jsonbOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(jsonbOrder);
  if (!isRecord(value)) return value;
  const keys = Object.keys(value).sort((a, b) => {
    const left = Buffer.from(a);
    const right = Buffer.from(b);
    return left.length - right.length || Buffer.compare(left, right);
  });
  const ordered: Record<string, unknown> = {};
  for (const key of keys) ordered[key] = jsonbOrder(value[key]);
  return ordered;
}

/** The ping, as `sendTestPayload` builds it in code: `ping` first, then `meta` (no JSONB involved). */
export function pingBytes(ping: string, now: Date): Buffer {
  return Buffer.from(JSON.stringify({ ping, meta: { messageId: randomUUID(), when: now.toISOString(), type: 'ping' } }));
}

/** Where the messages come from: the samples (`src/samples/`), as a dependency so tests can use their own. */
export type SampleSource = (type: string, outcome?: 'completed' | 'failed') => Message | undefined;

/** A fresh message of `type` from the samples, with a new messageId and requestId (when it has one). */
export function fresh(samples: SampleSource, type: string, outcome: 'completed' | 'failed' = 'completed'): Message {
  const message = samples(type, outcome);
  if (message === undefined) throw new Error(`no ${outcome} sample for ${type}`);
  message.meta.messageId = randomUUID();
  if (message.meta.requestId !== undefined) message.meta.requestId = randomUUID();
  return message;
}

/**
 * The baseline: a document-download with `meta.requestId` and `meta.data`, as the first message of a document
 * query. Every check after `signatures` sends messages of this shape, which the endpoint was seen to accept,
 * changing only what the check is about.
 */
export function baseline(samples: SampleSource): Message {
  const message = fresh(samples, BASELINE_TYPE);
  message.meta.requestId ??= randomUUID();
  message.meta.data ??= { clinicId: 'demo-clinic-12' };
  return message;
}

function firstPatient(message: Message): Record<string, unknown> {
  const patients = message.patients;
  if (!Array.isArray(patients) || !isRecord(patients[0])) throw new Error(`${String(message.meta.type)} sample has no patient`);
  return patients[0];
}

function documentsOf(message: Message): Array<Record<string, unknown>> {
  const documents = firstPatient(message).documents;
  if (!Array.isArray(documents) || !isRecord(documents[0])) throw new Error('the document-download sample has no document');
  return documents as Array<Record<string, unknown>>;
}

/**
 * What Metriport really writes, beyond ASCII: JSON.stringify output (UTF-8, nothing escaped but quotes,
 * backslashes and control characters) with non-ASCII text in a document's description and in `meta.data`,
 * keys in JSONB order. An endpoint that re-serialises the body another way (Python's `json.dumps` escapes
 * every non-ASCII character) computes another signature.
 */
export function realBytes(samples: SampleSource): Buffer {
  const message = baseline(samples);
  message.meta.data = { ...(message.meta.data as object), clinicName: 'Clínica São José – 東京 🩺' };
  const [document] = documentsOf(message);
  if (document !== undefined) document.description = 'Résumé de sortie – Ärztlicher Entlassungsbrief';
  return metriportBytes(message);
}

/**
 * Valid JSON carrying what a parse-and-stringify changes and Metriport never writes: `\u00e9` and `\/`
 * escapes, a number with a trailing zero, a 20-digit number, and keys JavaScript reorders. An endpoint that
 * verifies `JSON.stringify(req.body)` refuses it while it verifies every message Metriport really sends.
 */
export function trapBytes(samples: SampleSource): Buffer {
  const message = baseline(samples);
  const [first, second] = documentsOf(message);
  if (first === undefined || second === undefined) throw new Error('the trap needs two documents in the sample');
  first.description = '@DESCRIPTION@';
  first.size = -1;
  second.size = -2;
  message.meta.data = { '@DATA@': '' };
  const text = metriportBytes(message)
    .toString('utf8')
    .replace('"@DESCRIPTION@"', '"R\\u00e9sum\\u00e9 \\/ discharge \u{1F600}"')
    .replace('"size":-1', '"size":48213.50')
    .replace('"size":-2', '"size":12345678901234567890')
    .replace('{"@DATA@":""}', '{"2":"second","1":"first","clinicId":"demo-clinic-12"}');
  return Buffer.from(text, 'utf8');
}

/** A type no sample has: Metriport adds types, and a receiver must accept any. */
export const UNKNOWN_TYPE = 'future.type-not-yet-known';

export function unknownTypeBytes(samples: SampleSource): Buffer {
  const base = baseline(samples);
  const patient = firstPatient(base);
  const message: Message = {
    meta: { ...base.meta, type: UNKNOWN_TYPE },
    payload: { patientId: patient.patientId, externalId: patient.externalId, status: 'completed' },
  };
  return metriportBytes(message);
}

/** The baseline grown to about `bytes` with more documents: a patient with thousands of documents. */
export function largeBytes(samples: SampleSource, bytes: number): { body: Buffer; documents: number } {
  const message = baseline(samples);
  const patient = firstPatient(message);
  const [template] = documentsOf(message);
  const one = Buffer.byteLength(JSON.stringify(jsonbOrder(template))) + 1;
  const count = Math.max(1, Math.ceil(bytes / one));
  patient.documents = Array.from({ length: count }, (_, index) => ({
    ...template,
    id: randomUUID(),
    fileName: `document-${index}.xml`,
  }));
  return { body: metriportBytes(message), documents: count };
}

/** One message of a shape: its type and bytes; `shape` says which real-world case it is. */
export interface ShapedMessage {
  shape: ShapeId;
  type: string;
  body: Buffer;
}

/**
 * Messages Metriport sends besides the happy path, each with `meta.requestId` and `meta.data` like the baseline
 * except where that is the point:
 * - a `medical.document-conversion` before its `medical.document-download` (sent without waiting for each other);
 * - a conversion with no `meta.requestId` (the sandbox sends it so; so does the stale-query checker);
 * - a download with `documents: []` (nothing new in this query);
 * - failed outcomes: a failed download has no `documents` key at all, a failed consolidated-data no `bundle`;
 * - `meta.data` present (the customer passed metadata) and absent.
 */
export function shapedMessages(samples: SampleSource): ShapedMessage[] {
  const data = () => ({ clinicId: 'demo-clinic-12' });
  const withData = (message: Message) => {
    message.meta.data = data();
    message.meta.requestId ??= randomUUID();
    return message;
  };
  const requestId = randomUUID();
  const conversion = withData(fresh(samples, 'medical.document-conversion'));
  conversion.meta.requestId = requestId;
  const download = baseline(samples);
  download.meta.requestId = requestId;

  const noRequestId = withData(fresh(samples, 'medical.document-conversion'));
  delete noRequestId.meta.requestId;

  const emptyDocuments = baseline(samples);
  firstPatient(emptyDocuments).documents = [];

  const failedDownload = baseline(samples);
  const failedPatient = firstPatient(failedDownload);
  failedPatient.status = 'failed';
  delete failedPatient.documents;

  const failedConversion = withData(fresh(samples, 'medical.document-conversion'));
  firstPatient(failedConversion).status = 'failed';

  const failedConsolidated = withData(fresh(samples, 'medical.consolidated-data', 'failed'));
  delete firstPatient(failedConsolidated).bundle;

  const withMetaData = withData(fresh(samples, 'patient.admit'));
  const withoutMetaData = baseline(samples);
  delete withoutMetaData.meta.data;

  const shaped = (shape: ShapeId, message: Message): ShapedMessage => ({
    shape,
    type: String(message.meta.type),
    body: metriportBytes(message),
  });
  return [
    shaped('conversion-before-download', conversion),
    shaped('conversion-before-download', download),
    shaped('no-request-id', noRequestId),
    shaped('empty-documents', emptyDocuments),
    shaped('failed-download', failedDownload),
    shaped('failed-conversion', failedConversion),
    shaped('failed-consolidated', failedConsolidated),
    shaped('failed-bulk-create', withData(fresh(samples, 'medical.bulk-patient-create', 'failed'))),
    shaped('failed-network-query', withData(fresh(samples, 'network-query.hie', 'failed'))),
    shaped('with-meta-data', withMetaData),
    shaped('without-meta-data', withoutMetaData),
  ];
}

/**
 * Whether a message has what a shape isolates, so that a type refused for that reason is left to `shapes`
 * (a devices message has no `meta.requestId`: an endpoint that chokes on that fails it, and one ✗ says why).
 */
export function hasShape(shape: ShapeId, message: Message): boolean {
  switch (shape) {
    case 'no-request-id':
      return message.meta.requestId === undefined;
    case 'without-meta-data':
      return message.meta.data === undefined;
    case 'with-meta-data':
      return message.meta.data !== undefined;
    case 'empty-documents':
      return patientsOf(message).some((patient) => Array.isArray(patient.documents) && patient.documents.length === 0);
    case 'failed-download':
    case 'failed-conversion':
    case 'failed-consolidated':
    case 'failed-bulk-create':
    case 'failed-network-query':
      return JSON.stringify(message).includes('"status":"failed"');
    case 'conversion-before-download':
      return false;
  }
}

function patientsOf(message: Message): Array<Record<string, unknown>> {
  return Array.isArray(message.patients) ? message.patients.filter(isRecord) : [];
}
