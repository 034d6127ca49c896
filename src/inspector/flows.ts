import { isRecord } from '../util/json.js';
import type { Entry, FlowCall, FlowKind, FlowSummary, FlowView } from './entry.js';

/**
 * Flows: the messages one API call (or one hospital stay) makes Metriport send, shown together with their
 * timing, and what has not arrived yet (metriport-protocol.md, "Flows").
 *
 * - Messages are grouped by `meta.requestId`, the API request that started them. The store records it (and a
 *   one-byte "step", the payload's status) when a message arrives, from the payload the receiver already parsed
 *   (readPayload).
 * - ADT (`patient.admit/transfer/discharge`) is the exception: Metriport gives every HL7 message a requestId of
 *   its own, and only the Encounter id inside the bundles at `url` ties an admit to its discharge. The payload's
 *   `admitTimestamp` is the stay's admit time in each of them, so ADT messages are grouped by patient and admit
 *   time: one hospital stay.
 * - A message of a flow's type without a requestId (the sandbox's conversion message) is tied to nothing and
 *   says so; it is never grouped by guess.
 */

/** The payload's own status, one byte per row: what a flow needs to know once the body may be gone. */
export const STEP = { none: 0, processing: 1, completed: 2, failed: 3, waiting: 4, nothingFound: 5 } as const;

const DOWNLOAD = 'medical.document-download';
const CONVERSION = 'medical.document-conversion';
const CONSOLIDATED = 'medical.consolidated-data';
const BULK_CREATE = 'medical.bulk-patient-create';
const FIRST_DATA_READY = 'network-query.hie.first-data-ready';
const NETWORK_PREFIX = 'network-query.';
const ADT = new Set(['patient.admit', 'patient.transfer', 'patient.discharge']);
/** The network query's sources, as their messages name them (`network-query.<source>`). */
const NETWORK_SOURCES = ['hie', 'pharmacy', 'lab'];
/** Notifications that are whole in one message: nothing else is expected after them. */
const ONE_MESSAGE = new Set(['patient.pharmacy', 'patient.laboratory', 'message.status']);
/** The longest admit time taken as part of a stay's key (an ISO time is 24 characters). */
const MAX_ADMIT_CHARS = 64;

/** What a row keeps of its payload besides its bytes: filled by readPayload, into an object the store reuses. */
export interface PayloadFacts {
  /** `payload.patientId`, else the first patient's. */
  patientId: string | undefined;
  /** `meta.requestId` (an empty one, as the sandbox's conversion has, counts as none). */
  requestId: string | undefined;
  /** An ADT message's `admitTimestamp`. */
  admitted: string | undefined;
  /** The payload's own status as a STEP: the job's, the network source's, the message's, else the first patient's. */
  step: number;
}

/**
 * Reads what a row keeps of a payload in one pass, into `into` (no object per message). Property reads on
 * parsed JSON of many shapes are most of what recording a message costs, so each is read once.
 */
export function readPayload(type: string, payload: unknown, into: PayloadFacts): void {
  into.patientId = undefined;
  into.requestId = undefined;
  into.admitted = undefined;
  into.step = STEP.none;
  if (!isRecord(payload)) return;
  const meta = payload.meta;
  if (isRecord(meta) && typeof meta.requestId === 'string' && meta.requestId !== '') into.requestId = meta.requestId;
  if (type === BULK_CREATE) {
    const job = payload.bulkPatientCreate;
    into.step = statusStep(isRecord(job) ? job.status : undefined);
    return;
  }
  const inner = payload.payload;
  if (isRecord(inner)) {
    const source = inner.source;
    into.step = statusStep(isRecord(source) ? source.status : inner.status);
    if (typeof inner.patientId === 'string') into.patientId = inner.patientId;
    if (type.startsWith('patient.') && ADT.has(type) && typeof inner.admitTimestamp === 'string') into.admitted = inner.admitTimestamp;
    if (into.patientId !== undefined) return;
  }
  const patients = payload.patients;
  const first = Array.isArray(patients) ? patients[0] : undefined;
  if (!isRecord(first)) return;
  if (typeof first.patientId === 'string') into.patientId = first.patientId;
  if (into.step !== STEP.none) return;
  into.step = statusStep(first.status);
  // A download that found nothing: the sandbox sends no conversion message after it.
  if (type === DOWNLOAD && into.step === STEP.completed && Array.isArray(first.documents) && first.documents.length === 0)
    into.step = STEP.nothingFound;
}

// A switch, not a lookup table: a status read from JSON is a fresh string, and keying an object with it
// means hashing it.
function statusStep(status: unknown): number {
  switch (status) {
    case 'processing':
      return STEP.processing;
    case 'completed':
      return STEP.completed;
    case 'failed':
      return STEP.failed;
    case 'waiting':
      return STEP.waiting;
    default:
      return STEP.none;
  }
}

/**
 * The flow a message is shown in: its requestId; for ADT, its hospital stay (patient and admit time).
 * Undefined: it cannot be tied to one.
 */
export function flowKeyOf(input: {
  type: string;
  requestId: string | undefined;
  patientId: string | undefined;
  admitted: string | undefined;
}): string | undefined {
  // startsWith first: most types are not ADT, and it spares hashing a fresh string for the set.
  if (!input.type.startsWith('patient.') || !ADT.has(input.type)) return input.requestId;
  const { patientId, admitted } = input;
  if (patientId === undefined || admitted === undefined || admitted === '' || admitted.length > MAX_ADMIT_CHARS) return undefined;
  // A space never appears in a requestId (a UUID), so a stay's key is never taken for one.
  return `stay ${patientId} ${admitted}`;
}

/** Whether a message of this type belongs to a flow, so that one without a requestId is worth a word. */
export function expectsRequestId(type: string | undefined): boolean {
  return type !== undefined && (type.startsWith('medical.') || type.startsWith(NETWORK_PREFIX));
}

/** What the store knows of one message of a flow, without building its entry. */
export interface FlowMember {
  id: number;
  atMs: number;
  type: string | undefined;
  kind: Entry['kind'];
  step: number;
  patientId: string | undefined;
}

/**
 * The API call that started a flow, when the one who answered it says (`listen --emulator`: the in-process
 * emulator knows the calls it answered).
 */
export interface FlowStart {
  flow: string;
  /** `METHOD /path`. */
  call: string;
  /** When it was answered (ISO 8601). */
  at: string;
  patientId?: string | undefined;
  /** The network query's sources, as asked for. */
  sources?: readonly string[] | undefined;
}

/** Who can tell a flow's start by its requestId. */
export interface FlowStarts {
  startOf(requestId: string): FlowStart | undefined;
}

const LABELS: Record<FlowKind, string> = {
  'document-query': 'Document query',
  consolidated: 'Consolidated data',
  'network-query': 'Network query',
  'bulk-import': 'Bulk patient import',
  'document-urls': 'Document download URLs',
  adt: 'Hospital stay (ADT)',
  other: 'One request',
};

const START_KINDS = new Set<string>(['document-query', 'consolidated', 'network-query', 'bulk-import']);

function kindOf(types: ReadonlySet<string>, start: FlowStart | undefined): FlowKind {
  if (start !== undefined && START_KINDS.has(start.flow)) return start.flow as FlowKind;
  const has = (test: (type: string) => boolean) => [...types].some(test);
  if (types.has(BULK_CREATE)) return 'bulk-import';
  if (has((type) => type.startsWith(NETWORK_PREFIX))) return 'network-query';
  if (types.has(CONSOLIDATED)) return 'consolidated';
  if (types.has(DOWNLOAD) || types.has(CONVERSION)) return 'document-query';
  if (has((type) => type.startsWith('medical.document-bulk-download'))) return 'document-urls';
  if (has((type) => ADT.has(type))) return 'adt';
  return 'other';
}

/** What a flow of each kind is waiting for, given what arrived; `open`: whether more will come is not known. */
function expectations(
  kind: FlowKind,
  members: readonly FlowMember[],
  start: FlowStart | undefined,
): { waitingFor: string[]; open: boolean; note: string } {
  const types = new Set(members.map((member) => member.type ?? ''));
  const of = (type: string) => members.filter((member) => member.type === type);
  switch (kind) {
    case 'document-query': {
      const waitingFor: string[] = [];
      const downloads = of(DOWNLOAD);
      // A failed download, or one that found nothing, is the end: no conversion message follows it.
      const ended = downloads.some((member) => member.step === STEP.failed || member.step === STEP.nothingFound);
      if (downloads.length === 0) waitingFor.push(DOWNLOAD);
      if (!types.has(CONVERSION) && !ended) waitingFor.push(CONVERSION);
      return {
        waitingFor,
        open: false,
        note: ended
          ? downloads.some((member) => member.step === STEP.failed)
            ? 'The download failed: no conversion message follows a failed document query.'
            : 'The download found no documents: nothing is converted, and no conversion message follows (as the sandbox does).'
          : 'A document query sends medical.document-download and medical.document-conversion with its requestId, in either order.',
      };
    }
    case 'consolidated':
      return {
        waitingFor: types.has(CONSOLIDATED) ? [] : [CONSOLIDATED],
        open: false,
        note: 'A consolidated query sends one medical.consolidated-data with its requestId.',
      };
    case 'network-query': {
      const arrived = new Set(
        [...types]
          .filter((type) => type.startsWith(NETWORK_PREFIX) && type !== FIRST_DATA_READY)
          .map((type) => type.slice(NETWORK_PREFIX.length)),
      );
      const asked = start?.sources?.map((source) => (source === 'laboratory' ? 'lab' : source));
      if (asked !== undefined) {
        return {
          waitingFor: asked.filter((source) => !arrived.has(source)).map((source) => `${NETWORK_PREFIX}${source}`),
          open: false,
          note: `The query asked ${asked.join(', ')}: one network-query.<source> comes for each as it completes, in any order, and first-data-ready at most once.`,
        };
      }
      // Without the call, the sources asked are not known: only first-data-ready promises the HIE's result.
      const waitingFor = types.has(FIRST_DATA_READY) && !arrived.has('hie') ? [`${NETWORK_PREFIX}hie`] : [];
      const all = NETWORK_SOURCES.every((source) => arrived.has(source));
      return {
        waitingFor,
        open: waitingFor.length === 0 && !all,
        note: all
          ? 'Every source a network query can ask (hie, pharmacy, lab) has answered.'
          : 'Which sources the query asked is not known here (the call was not made through listen --emulator), so more may come: one network-query.<source> per source.',
      };
    }
    case 'bulk-import': {
      const jobs = of(BULK_CREATE);
      const finished = jobs.some((member) => member.step === STEP.completed || member.step === STEP.failed);
      return {
        waitingFor: finished ? [] : [BULK_CREATE],
        open: false,
        note: finished
          ? 'The job ended. Each created patient’s document query carries the job’s requestId, so its messages are part of this flow.'
          : jobs.length === 0
            ? 'The job waits for its CSV: medical.bulk-patient-create comes (processing) once it is uploaded, and nothing if it never is.'
            : 'The job is processing: medical.bulk-patient-create comes again, completed or failed, once every patient is created.',
      };
    }
    case 'adt':
      return {
        waitingFor: types.has('patient.discharge') ? [] : ['patient.discharge'],
        open: false,
        note: `Grouped by patient and admit time: Metriport gives each HL7 message its own requestId, and only the Encounter id inside the bundles at url ties them.${types.has('patient.admit') ? '' : ' Its patient.admit is not held here (it came before this session, or was pushed out).'}`,
      };
    case 'document-urls':
      return { waitingFor: [], open: false, note: 'Bulk download URLs come in one message per request (or one per page).' };
    case 'other': {
      const whole = [...types].every((type) => ONE_MESSAGE.has(type));
      return {
        waitingFor: [],
        open: !whole,
        note: whole
          ? 'A notification that is whole in one message.'
          : 'Messages of one requestId; what else this kind of request sends is not known here.',
      };
    }
  }
}

/** A flow in a line: what it is, whether it waits, how many messages over how long. */
export function describeFlow(input: { key: string; members: readonly FlowMember[]; start?: FlowStart | undefined }): FlowSummary {
  const { members, start } = input;
  const kind = kindOf(new Set(members.map((member) => member.type ?? '')), start);
  const expected = expectations(kind, members, start);
  const times = members.map((member) => member.atMs);
  const startMs = start === undefined ? Number.NaN : Date.parse(start.at);
  const firstMs = Math.min(...times, Number.isNaN(startMs) ? Number.POSITIVE_INFINITY : startMs);
  const lastMs = Math.max(...times, firstMs);
  return {
    key: input.key,
    kind,
    label: LABELS[kind],
    state: expected.waitingFor.length > 0 ? 'waiting' : expected.open ? 'open' : 'complete',
    waitingFor: expected.waitingFor,
    note: expected.note,
    failed: members.some((member) => member.step === STEP.failed),
    messages: members.length,
    firstAt: new Date(firstMs).toISOString(),
    spanMs: lastMs - firstMs,
    patientId: start?.patientId ?? members.find((member) => member.patientId !== undefined)?.patientId,
    startedBy: start === undefined ? undefined : callOf(start, firstMs),
  };
}

function callOf(start: FlowStart, firstMs: number): FlowCall {
  return {
    call: start.call,
    at: start.at,
    offsetMs: Date.parse(start.at) - firstMs,
    sources: start.sources ? [...start.sources] : undefined,
  };
}

/** A flow with each message's entry and its time from the flow's first event (the call, when known). */
export function viewFlow(input: {
  key: string;
  members: readonly FlowMember[];
  entries: readonly Entry[];
  start?: FlowStart | undefined;
}): FlowView {
  const summary = describeFlow(input);
  const firstMs = Date.parse(summary.firstAt);
  const requestIds = new Set(input.entries.map((entry) => entry.requestId).filter((id) => id !== undefined));
  return {
    ...summary,
    requestIds: [...requestIds],
    steps: input.entries.map((entry) => ({ entry, offsetMs: Date.parse(entry.at) - firstMs })),
  };
}

/** Reads flows out of the store's rows, with the calls that started them when a source of them is given. */
export function createFlowReader(options: {
  members(keys: ReadonlySet<string>): Map<string, FlowMember[]>;
  get(id: number): Entry | undefined;
  starts?: FlowStarts | undefined;
}): { summaries(keys: Iterable<string | undefined>): FlowSummary[]; view(key: string): FlowView | undefined } {
  const startOf = (key: string) => (key.startsWith('stay ') ? undefined : options.starts?.startOf(key));
  return {
    summaries(keys) {
      const wanted = new Set([...keys].filter((key): key is string => key !== undefined));
      if (wanted.size === 0) return [];
      return [...options.members(wanted)].map(([key, members]) => describeFlow({ key, members, start: startOf(key) }));
    },
    view(key) {
      const members = options.members(new Set([key])).get(key);
      if (members === undefined) return undefined;
      const entries = members.map((member) => options.get(member.id)).filter((entry): entry is Entry => entry !== undefined);
      return viewFlow({ key, members, entries, start: startOf(key) });
    },
  };
}
