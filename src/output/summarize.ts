import { isRecord } from '../util/json.js';

/**
 * Whether a message reports that what it is about failed (a document query, consolidated data, a bulk import,
 * a network query's source, a message): a business failure the endpoint must handle, though it was delivered
 * fine. Pure; `undefined` when nothing in it says `failed`.
 */
export function payloadOutcome(_type: string, payload: unknown): 'failed' | undefined {
  if (!isRecord(payload)) return undefined;
  const failed = (value: unknown) => isRecord(value) && value.status === 'failed';
  const inner = isRecord(payload.payload) ? payload.payload : undefined;
  const anyFailed =
    (Array.isArray(payload.patients) && payload.patients.some(failed)) ||
    failed(payload.bulkPatientCreate) ||
    failed(inner) ||
    failed(inner?.source);
  return anyFailed ? 'failed' : undefined;
}

/** Patients or users listed in one summary line before the rest are counted as "+N more". */
const LISTED = 3;

/**
 * One line that says what matters in a message: ids, statuses and counts, per `meta.type`. Pure; unknown
 * types get a generic line built from their top-level fields, so new Metriport types still read well.
 */
export function summarizePayload(type: string, payload: unknown): string {
  if (!isRecord(payload)) return `${describeJsonKind(payload)} body`;
  switch (type) {
    case 'medical.document-download':
    case 'medical.document-bulk-download-urls':
      return listOf(payload.patients, 'patient', (patient) =>
        join([patientId(patient), text(patient.status), count(patient.documents, 'doc')]),
      );
    case 'medical.document-bulk-download-paged':
      return listOf(payload.patients, 'patient', (patient) =>
        join([patientId(patient), text(patient.status), pageOf(patient.pagination), count(patient.documents, 'doc')]),
      );
    case 'medical.document-conversion':
      return listOf(payload.patients, 'patient', (patient) => join([patientId(patient), text(patient.status)]));
    case 'medical.consolidated-data':
      return listOf(payload.patients, 'patient', (patient) =>
        [join([patientId(patient), text(patient.status), conversionType(patient.filters)]), attachments(patient.bundle)]
          .filter(Boolean)
          .join(', '),
      );
    case 'medical.bulk-patient-create': {
      const job = isRecord(payload.bulkPatientCreate) ? payload.bulkPatientCreate : {};
      return join([
        `request ${text(job.requestId) ?? '?'}`,
        text(job.status),
        typeof job.result === 'string' ? 'result CSV ready' : undefined,
      ]);
    }
    case 'patient.admit':
    case 'patient.discharge':
    case 'patient.transfer':
      return summarizeEncounter(type, isRecord(payload.payload) ? payload.payload : {});
    case 'patient.pharmacy':
    case 'patient.laboratory': {
      const notification = isRecord(payload.payload) ? payload.payload : {};
      const date =
        type === 'patient.pharmacy'
          ? labelled('dispensed', notification.medicationDispensedDate)
          : labelled('specimen collected', notification.specimenCollectedDate);
      return join([`patient ${patientId(notification)}`, date]);
    }
    case 'network-query.hie':
    case 'network-query.pharmacy':
    case 'network-query.lab':
    case 'network-query.hie.first-data-ready': {
      const query = isRecord(payload.payload) ? payload.payload : {};
      const source = isRecord(query.source) ? query.source : {};
      const name = text(source.source);
      return join([
        `patient ${patientId(query)}`,
        `source ${text(source.type) ?? '?'}${name === undefined ? '' : ` (${name})`}`,
        text(source.status),
        type.endsWith('first-data-ready') ? labelled('first data at', source.firstDataReadyAt) : undefined,
      ]);
    }
    case 'message.status': {
      const message = isRecord(payload.payload) ? payload.payload : {};
      const reason = text(message.reason);
      return join([
        `message ${text(message.id) ?? '?'}`,
        `patient ${patientId(message)}`,
        text(message.status),
        reason === undefined ? undefined : `: ${reason}`,
      ]).replace(' : ', ': ');
    }
    case 'devices.health-data':
      return listOf(payload.users, 'user', (user) => join([text(user.userId) ?? '?', deviceDataCounts(user)]));
    case 'devices.provider-connected':
    case 'devices.provider-disconnected':
      return listOf(payload.users, 'user', (user) =>
        join([text(user.userId) ?? '?', listText(user.providers, 'providers'), listText(user.connectedProviders, 'connected')]),
      );
    default:
      return summarizeUnknown(payload);
  }
}

function summarizeEncounter(type: string, encounter: Record<string, unknown>): string {
  const at = (label: string, value: unknown) => (text(value) === undefined ? undefined : `${label} ${text(value)}`);
  const what =
    type === 'patient.discharge'
      ? at('discharged', encounter.dischargeTimestamp)
      : type === 'patient.transfer'
        ? describeTransfers(encounter.transfers)
        : at('admitted', encounter.admitTimestamp);
  return join([`patient ${patientId(encounter)}`, what]);
}

function describeTransfers(transfers: unknown): string | undefined {
  const counted = count(transfers, 'transfer');
  const last = Array.isArray(transfers) ? transfers[transfers.length - 1] : undefined;
  if (!isRecord(last)) return counted;
  const place = (location: unknown) => (isRecord(location) ? text(location.name) : undefined) ?? '?';
  return `${counted}, latest ${place(last.sourceLocation)} → ${place(last.destinationLocation)}`;
}

function summarizeUnknown(payload: Record<string, unknown>): string {
  if (Array.isArray(payload.patients))
    return listOf(payload.patients, 'patient', (patient) => join([patientId(patient), text(patient.status)]));
  if (Array.isArray(payload.users)) return listOf(payload.users, 'user', (user) => text(user.userId) ?? '?');
  const fields = Object.keys(payload).filter((key) => key !== 'meta');
  const id = text(payload.patientId);
  return join([
    id === undefined ? undefined : `patient ${id}`,
    fields.length === 0 ? 'no fields besides meta' : `fields: ${fields.slice(0, 6).join(', ')}${fields.length > 6 ? ', …' : ''}`,
  ]);
}

function listOf(items: unknown, noun: string, describe: (item: Record<string, unknown>) => string): string {
  if (!Array.isArray(items)) return `no ${noun}s`;
  if (items.length === 0) return `0 ${noun}s`;
  const shown = items.slice(0, LISTED).map((item) => (isRecord(item) ? describe(item) : '?'));
  const more = items.length > LISTED ? `; +${items.length - LISTED} more` : '';
  const head = items.length === 1 ? noun : `${items.length} ${noun}s:`;
  return `${head} ${shown.join('; ')}${more}`;
}

function pageOf(pagination: unknown): string | undefined {
  if (!isRecord(pagination) || typeof pagination.page !== 'number' || typeof pagination.totalPages !== 'number') return undefined;
  const total = typeof pagination.totalItems === 'number' ? ` (${pagination.totalItems} in all)` : '';
  return `page ${pagination.page} of ${pagination.totalPages}${total},`;
}

function conversionType(filters: unknown): string | undefined {
  return isRecord(filters) && typeof filters.conversionType === 'string' ? `as ${filters.conversionType}` : undefined;
}

/** The consolidated bundle's attachments (one DocumentReference holds the JSON and gzip, or pdf/html). */
function attachments(bundle: unknown): string | undefined {
  if (!isRecord(bundle) || !Array.isArray(bundle.entry)) return undefined;
  const kinds = bundle.entry.flatMap((entry) => {
    const resource = isRecord(entry) && isRecord(entry.resource) ? entry.resource : {};
    const content = Array.isArray(resource.content) ? resource.content : [];
    return content.map((item) => (isRecord(item) && isRecord(item.attachment) ? (text(item.attachment.contentType) ?? '?') : '?'));
  });
  return kinds.length === 0
    ? 'no attachments'
    : `${kinds.length} attachment${kinds.length === 1 ? '' : 's'} (${kinds.map((kind) => kind.replace(/^application\//, '')).join(', ')})`;
}

function labelled(label: string, value: unknown): string | undefined {
  return text(value) === undefined ? undefined : `${label} ${text(value)}`;
}

function deviceDataCounts(user: Record<string, unknown>): string {
  const kinds = ['activity', 'sleep', 'body', 'biometrics', 'nutrition']
    .filter((kind) => Array.isArray(user[kind]) && (user[kind] as unknown[]).length > 0)
    .map((kind) => `${kind} ${(user[kind] as unknown[]).length}`);
  return kinds.length === 0 ? 'no data' : kinds.join(', ');
}

function patientId(record: Record<string, unknown>): string {
  return text(record.patientId) ?? '?';
}

function count(items: unknown, singular: string, plural = `${singular}s`): string | undefined {
  if (!Array.isArray(items)) return undefined;
  return `${items.length} ${items.length === 1 ? singular : plural}`;
}

function listText(items: unknown, label: string): string | undefined {
  if (!Array.isArray(items)) return undefined;
  return `${label}: ${items.length === 0 ? 'none' : items.map(String).join(', ')}`;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function join(parts: Array<string | undefined>): string {
  return parts.filter((part): part is string => part !== undefined).join(' ');
}

function describeJsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  return value === null ? 'null' : typeof value;
}
