import type { SessionEvent } from '../listen/events.js';
import { summarizePayload } from '../output/summarize.js';
import { describeForward, describeOutcome, describeRefusal, describeVerifyFailure } from '../output/words.js';
import type { ForwardOutcome } from '../receiver/receiver.js';
import { isRecord } from '../util/json.js';
import { createRateLimit } from '../util/rate-limit.js';
import { parseBody } from '../webhook/message.js';
import type { Entry } from './entry.js';
import { expectsRequestId, type FlowMember, flowKeyOf, type PayloadFacts, readPayload, STEP } from './flows.js';

// Defined with the rest of what the page reads (entry.ts); the store's users find it here too.
export type { Entry } from './entry.js';

export interface InspectorStore {
  /** Keeps what it shows of a session event (it is one of listen's sinks). */
  write(event: SessionEvent): void;
  /** Nothing to flush: the history lives in memory. */
  close(): Promise<void>;
  /** Adds a message read from a capture file (`inspect <dir>`). */
  addCapture(input: { raw: Buffer; payload: unknown; fileName: string; at: Date; type: string; messageId: string | undefined }): Entry;
  /** Newest first. */
  list(): Entry[];
  /** How many requests were recorded in all, including those no longer held. */
  received(): number;
  /** The entries of these ids that are still held. */
  newest(ids: readonly number[]): Entry[];
  get(id: number): Entry | undefined;
  body(id: number): Buffer | undefined;
  /** What `--forward-to`'s app answered this request, when it was forwarded. */
  forward(id: number): ForwardOutcome | undefined;
  /** Entries that share its messageId: the first delivery and its retries. */
  attempts(id: number): Entry[];
  /** The messages of these flows (Entry.flow) still held, oldest first, found in one pass over the rows. */
  flowMembers(keys: ReadonlySet<string>): Map<string, FlowMember[]>;
  /** Told the id of each new request; the entry is built only if asked for. */
  subscribe(listener: (id: number) => void): () => void;
}

export interface InspectorLimits {
  /** Entries kept (oldest dropped first): messages, duplicates, pings and filtered requests. */
  maxEntries: number;
  /**
   * Refused requests kept (oldest dropped first), apart from `maxEntries`: anyone who finds the tunnel can send
   * unsigned requests, and a flood of them must never push a verified message out of the inspector.
   */
  maxRefused: number;
  /** Bytes of bodies kept (oldest bodies dropped first; their metadata stays). */
  maxBodyBytes: number;
  /**
   * Messages a second whose headers and bytes are kept; past that (a flood) the rest keep their row only,
   * spread evenly. Copying them is most of what the inspector costs a request, and under a flood most would
   * be pushed out of the history within a second anyway (BENCHMARKS.md, the inspector's cost).
   */
  bytesKeptPerSecond: number;
}

export const DEFAULT_INSPECTOR_LIMITS: InspectorLimits = {
  maxEntries: 2000,
  maxRefused: 500,
  maxBodyBytes: 64 * 1024 * 1024,
  bytesKeptPerSecond: 200,
};

/** How a message was accepted: the codes of the `verified` column. */
const LEGACY_KEY = 0;
const SIGNATURE = 1;
const FROM_CAPTURE = 2;
const KINDS: ReadonlyArray<Entry['kind']> = ['message', 'duplicate', 'ping', 'filtered', 'refused'];
/** A request that is not a message (a ping, a filtered or refused request) is part of no flow. */
const NO_FLOW = { requestId: undefined, flow: undefined, noRequestId: false } as const;

/** Builds the entry of a rare request (a ping, a filtered or refused request): a closure is fine for those. */
type Builder = () => Omit<Entry, 'id' | 'hasBody'>;

/** What only some requests have: kept beside the columns, for the rare kinds and big bodies. */
interface Extra {
  build?: Builder;
  forward?: ForwardOutcome;
  /** A body too big for the arena, held by reference within its own budget. */
  body?: Buffer;
  headerText?: string;
}

type NumberColumn = Float64Array | Uint32Array | Uint16Array | Uint8Array;
/** How a column is made, and what a slot of it holds until written (`undefined` for references). */
interface ColumnSpec<Column> {
  make(length: number): Column;
  empty: number | undefined;
}
/** A column of numbers, `empty` (0 unless said otherwise) in a slot until it is written. */
function numbers<Column extends NumberColumn>(Type: new (length: number) => Column, empty = 0): ColumnSpec<Column> {
  return {
    make(length) {
      const column = new Type(length);
      column.fill(empty);
      return column;
    },
    empty,
  };
}
/** A column of references (strings the message already had, or the rare object), `undefined` until written. */
function references<Value>(): ColumnSpec<Array<Value | undefined>> {
  return { make: (length) => new Array<Value | undefined>(length).fill(undefined), empty: undefined };
}

/**
 * A row of the main ring, each column declared once: its array and what a reused slot holds. The columns are
 * made from this table, and a claimed slot is emptied of all of them (`createRows`), so a new column is one
 * line here and its value where the row is recorded.
 */
const ROW = {
  /** The request's id: ids rise with the slots' sequence, so a binary search finds one. */
  id: numbers(Float64Array),
  atMs: numbers(Float64Array),
  status: numbers(Uint16Array),
  /** An index into KINDS. */
  kind: numbers(Uint8Array),
  /** How it was accepted: LEGACY_KEY, SIGNATURE or FROM_CAPTURE. */
  verified: numbers(Uint8Array),
  /** 1: a flood's message whose headers and bytes were not kept (`bytesKeptPerSecond`). */
  skipped: numbers(Uint8Array),
  /** Where the header text and body start in the arena, counted from the first byte ever written; -1: not there. */
  regionStart: numbers(Float64Array, -1),
  headerLength: numbers(Uint32Array),
  bodyLength: numbers(Uint32Array),
  type: references<string>(),
  messageId: references<string>(),
  storedAs: references<string>(),
  patientId: references<string>(),
  /** `meta.requestId`, and the flow the message is shown in (its requestId, or for ADT its hospital stay). */
  requestId: references<string>(),
  flow: references<string>(),
  /** The payload's own status, for its flow (a STEP of flows.ts). */
  step: numbers(Uint8Array),
  extra: references<Extra>(),
  /** The entry, once the page or the feed asked for it. */
  built: references<Entry>(),
};
/** A row of the refused ring: rare but floodable, so only a builder (headers, reason, sender) per slot. */
const REFUSED_ROW = {
  id: numbers(Float64Array),
  builder: references<Builder>(),
  built: references<Entry>(),
};

type ColumnsOf<Spec extends Record<string, ColumnSpec<unknown>>> = { [Name in keyof Spec]: ReturnType<Spec[Name]['make']> };

/**
 * The columns of a ring of `capacity` rows, made from its table, and `clear(slot)`, which empties a slot of
 * every column. A loop over the columns: it costs ~0.05 µs a message more than hand-written resets would
 * (helper measurement, under load), against the ~50 µs a verified request costs the receiver; generating the
 * resets as code (`new Function`) was measured and dropped: code from strings is refused where Node runs with
 * --disallow-code-generation-from-strings, and is one more thing to review.
 */
function createRows<Spec extends Record<string, ColumnSpec<unknown>>>(
  spec: Spec,
  capacity: number,
): { columns: ColumnsOf<Spec>; clear(slot: number): void } {
  const columns: Record<string, unknown> = {};
  const resets: Array<{ cells: { [slot: number]: unknown }; empty: unknown }> = [];
  for (const [name, column] of Object.entries(spec)) {
    const cells = column.make(capacity) as { [slot: number]: unknown };
    columns[name] = cells;
    resets.push({ cells, empty: column.empty });
  }
  const clear = (slot: number) => {
    for (const reset of resets) reset.cells[slot] = reset.empty;
  };
  return { columns: columns as ColumnsOf<Spec>, clear };
}

/**
 * What the inspector knows, from the session's events: metadata for every request (messages, pings,
 * duplicates, filtered and refused ones) and the exact bytes of verified ones, both bounded so a long session
 * costs bounded memory. Refused requests keep their headers, never their body, in a ring of their own: a
 * flood of them only pushes out older refusals. Ids count every request, in one sequence across both rings.
 *
 * Recording a message leaves no object behind on the JS heap: numbers go into typed-array columns, the
 * header text and body bytes into one reused byte arena, and the strings the message already had (type,
 * messageId, file name) into fixed arrays. Objects that live for thousands of requests are what made the
 * garbage collector the receiving path's cost (BENCHMARKS.md, the inspector's cost). Entries are built when
 * the page or the live feed asks for them.
 */
export function createInspectorStore(chosen: Partial<InspectorLimits> = {}): InspectorStore {
  const limits: InspectorLimits = { ...DEFAULT_INSPECTOR_LIMITS, ...chosen };
  const capacity = limits.maxEntries;
  // A quarter of the byte budget is the arena for ordinary bodies; the rest holds big ones by reference.
  const arenaSize = Math.max(1024, Math.floor(limits.maxBodyBytes / 4));
  const bigBudget = Math.max(0, limits.maxBodyBytes - arenaSize);
  const main = createRows(ROW, capacity);
  const row = main.columns;
  /** Slots of the main ring ever written: the next one goes to `written % capacity`. */
  let written = 0;
  // The refused ring: rare but floodable, so only a builder (headers, reason, sender) per slot.
  const refusedCapacity = Math.max(1, limits.maxRefused);
  const refusedRows = createRows(REFUSED_ROW, refusedCapacity);
  const refused = refusedRows.columns;
  let refusedWritten = 0;
  let arena: Buffer | undefined;
  let arenaWritten = 0;
  /** The main-ring sequence numbers (`written` when claimed) of bodies held by reference, oldest first. */
  const bigSeqs: number[] = [];
  let bigBytes = 0;
  let nextId = 1;
  const listeners = new Set<(id: number) => void>();
  // Under a flood the kept ones are spread through each second rather than all at its start (the terminal
  // view thins its previews with the same limit).
  const bytesKept = createRateLimit(limits.bytesKeptPerSecond);
  /** What readPayload found in the message being recorded: one object, reused. */
  const facts: PayloadFacts = { patientId: undefined, requestId: undefined, admitted: undefined, step: STEP.none };

  /** The slot holding `id` in a ring whose slots hold rising ids, or -1. */
  const find = (ring: Float64Array, ringWritten: number, id: number): number => {
    const size = ring.length;
    const count = Math.min(ringWritten, size);
    let low = 0;
    let high = count - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const slot = (ringWritten - count + middle) % size;
      const found = ring[slot] as number;
      if (found === id) return slot;
      if (found < id) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  };
  const mainSlotOf = (id: number) => (Number.isInteger(id) && id >= 1 && id < nextId ? find(row.id, written, id) : -1);
  const refusedSlotOf = (id: number) => (Number.isInteger(id) && id >= 1 && id < nextId ? find(refused.id, refusedWritten, id) : -1);
  const held = (id: number) => mainSlotOf(id) >= 0 || refusedSlotOf(id) >= 0;

  /**
   * Takes the next id and main-ring slot, emptied of every column: the slot's previous occupant (the oldest
   * request) is forgotten, and its body's bytes leave the budget.
   */
  const claim = (): { id: number; slot: number } => {
    const id = nextId++;
    const seq = written++;
    const slot = seq % capacity;
    const old = row.extra[slot];
    if (old?.body !== undefined) {
      bigBytes -= old.body.length;
      const at = bigSeqs.indexOf(seq - capacity);
      if (at >= 0) bigSeqs.splice(at, 1);
    }
    main.clear(slot);
    row.id[slot] = id;
    return { id, slot };
  };

  /** A message's row (a delivery, a duplicate or a capture file's message): every column it has, in one place. */
  const record = (input: {
    at: Date;
    kind: 'message' | 'duplicate';
    verified: number;
    status: number;
    type: string;
    messageId: string | undefined;
    storedAs: string | undefined;
    payload: unknown;
    forward: ForwardOutcome | undefined;
  }): { id: number; slot: number } => {
    const claimed = claim();
    const { slot } = claimed;
    row.atMs[slot] = input.at.getTime();
    row.status[slot] = input.status;
    row.kind[slot] = input.kind === 'message' ? 0 : 1;
    row.verified[slot] = input.verified;
    row.type[slot] = clip(input.type, MAX_FIELD_CHARS);
    row.messageId[slot] = input.messageId === undefined ? undefined : clip(input.messageId, MAX_FIELD_CHARS);
    row.storedAs[slot] = input.storedAs;
    // Kept apart from the body, so a row can still be found by patient, and shown in its flow, once its bytes are gone.
    readPayload(input.type, input.payload, facts);
    const patientId = facts.patientId === undefined ? undefined : clip(facts.patientId, MAX_FIELD_CHARS);
    const requestId = facts.requestId === undefined ? undefined : clip(facts.requestId, MAX_FIELD_CHARS);
    row.patientId[slot] = patientId;
    row.requestId[slot] = requestId;
    row.flow[slot] = flowKeyOf({ type: input.type, requestId, patientId, admitted: facts.admitted });
    row.step[slot] = facts.step;
    if (input.forward !== undefined) row.extra[slot] = { forward: input.forward };
    return claimed;
  };

  const keepBytes = (slot: number, headers: string, body: Buffer) => {
    // Node decodes header bytes as latin1, so one byte per character keeps them exactly, without a UTF-8 pass.
    const headerBytes = headers.length;
    const total = headerBytes + body.length;
    if (total > arenaSize / 8) {
      row.extra[slot] = { ...row.extra[slot], body: ownBytes(body), headerText: headers };
      bigSeqs.push(written - 1);
      bigBytes += body.length;
      // The newest is always kept, whatever its size.
      while (bigBytes > bigBudget && bigSeqs.length > 1) {
        const dropped = row.extra[(bigSeqs.shift() as number) % capacity];
        bigBytes -= dropped?.body?.length ?? 0;
        if (dropped !== undefined) dropped.body = undefined;
      }
      return;
    }
    arena ??= Buffer.allocUnsafeSlow(arenaSize);
    const offset = arenaWritten % arenaSize;
    if (offset + total > arenaSize) arenaWritten += arenaSize - offset;
    const at = arenaWritten % arenaSize;
    arena.write(headers, at, 'latin1');
    // TypedArray#set: Buffer#copy builds a view of the source per call, a measurable part of each message.
    arena.set(body, at + headerBytes);
    row.regionStart[slot] = arenaWritten;
    row.headerLength[slot] = headerBytes;
    row.bodyLength[slot] = body.length;
    arenaWritten += total;
  };

  /** The arena region of a slot, while later writes have not reached it. */
  const region = (slot: number): number | undefined => {
    const start = row.regionStart[slot] as number;
    return start >= 0 && arena !== undefined && arenaWritten <= start + arenaSize ? start % arenaSize : undefined;
  };
  const bodyIn = (slot: number): Buffer | undefined => {
    const big = row.extra[slot]?.body;
    if (big !== undefined) return big;
    const at = region(slot);
    if (at === undefined) return undefined;
    const from = at + (row.headerLength[slot] as number);
    // A copy: the arena is reused, and a caller may hold the bytes across a replay.
    return Buffer.from((arena as Buffer).subarray(from, from + (row.bodyLength[slot] as number)));
  };
  const headersIn = (slot: number): Record<string, string> => {
    const text = row.extra[slot]?.headerText;
    if (text !== undefined) return headersFromText(text);
    const at = region(slot);
    return at === undefined ? {} : headersFromText((arena as Buffer).toString('latin1', at, at + (row.headerLength[slot] as number)));
  };

  const build = (slot: number): Omit<Entry, 'id' | 'hasBody'> => {
    const builder = row.extra[slot]?.build;
    if (builder !== undefined) return builder();
    const body = bodyIn(slot);
    const parsed = body === undefined ? undefined : parseBody(body);
    const payload = parsed?.ok ? parsed.body.payload : undefined;
    const type = row.type[slot];
    const storedAs = row.storedAs[slot];
    const entryKind = KINDS[row.kind[slot] as number] as Entry['kind'];
    const fromCapture = row.verified[slot] === FROM_CAPTURE;
    const outcome = { status: row.status[slot] as number, storedAs, forward: row.extra[slot]?.forward };
    const about =
      body !== undefined
        ? clip(summarizePayload(type ?? 'unknown', payload), MAX_SUMMARY_CHARS)
        : row.skipped[slot] === 1
          ? `(headers and body not kept here: over ${limits.bytesKeptPerSecond} messages a second arrived; ${storedAs === undefined ? '--out or --jsonl keeps every one' : 'its file has the body'})`
          : '(body no longer held)';
    return {
      at: new Date(row.atMs[slot] as number).toISOString(),
      kind: entryKind,
      type,
      messageId: row.messageId[slot],
      patientId: row.patientId[slot],
      requestId: row.requestId[slot],
      flow: row.flow[slot],
      noRequestId: row.requestId[slot] === undefined && expectsRequestId(type),
      verdict: fromCapture ? 'from a capture file' : row.verified[slot] === SIGNATURE ? 'signature' : 'legacy key',
      status: fromCapture ? undefined : outcome.status,
      failed: reportsFailure(payload),
      summary: fromCapture ? about : `${about} → ${describeOutcome(outcome, { duplicate: entryKind === 'duplicate' })}`,
      storedAs,
      forward: outcome.forward === undefined ? undefined : describeForward(outcome.forward),
      headers: headersIn(slot),
      from: undefined,
    };
  };
  const entryIn = (slot: number): Entry => {
    row.built[slot] ??= { ...build(slot), id: row.id[slot] as number, hasBody: false };
    const entry = row.built[slot];
    entry.hasBody = row.extra[slot]?.body !== undefined || region(slot) !== undefined;
    return entry;
  };
  const refusedIn = (slot: number): Entry => {
    refused.built[slot] ??= {
      ...(refused.builder[slot] as () => Omit<Entry, 'id' | 'hasBody'>)(),
      id: refused.id[slot] as number,
      hasBody: false,
    };
    return refused.built[slot];
  };
  const get = (id: number): Entry | undefined => {
    const slot = mainSlotOf(id);
    if (slot >= 0) return entryIn(slot);
    const refusedSlot = refusedSlotOf(id);
    return refusedSlot >= 0 ? refusedIn(refusedSlot) : undefined;
  };
  /** The main ring's slots, oldest first. */
  const mainSlots = (): number[] => {
    const slots: number[] = [];
    for (let seq = Math.max(0, written - capacity); seq < written; seq += 1) slots.push(seq % capacity);
    return slots;
  };
  const announce = (id: number) => {
    for (const listener of listeners) listener(id);
  };
  const addRare = (when: Date, entryKind: Entry['kind'], builder: () => Omit<Entry, 'id' | 'hasBody'>) => {
    const { id, slot } = claim();
    row.atMs[slot] = when.getTime();
    row.kind[slot] = KINDS.indexOf(entryKind);
    row.extra[slot] = { build: builder };
    announce(id);
  };
  const addRefused = (builder: () => Omit<Entry, 'id' | 'hasBody'>) => {
    const id = nextId++;
    const slot = refusedWritten++ % refusedCapacity;
    refusedRows.clear(slot);
    refused.id[slot] = id;
    refused.builder[slot] = builder;
    announce(id);
  };

  return {
    close: async () => undefined,
    write(event) {
      switch (event.type) {
        case 'message':
        case 'duplicate': {
          const { message, outcome } = event;
          const { id, slot } = record({
            at: message.receivedAt,
            kind: event.type,
            verified: message.verifiedBy === 'signature' ? SIGNATURE : LEGACY_KEY,
            status: outcome.status,
            type: message.type,
            messageId: message.messageId,
            storedAs: outcome.storedAs,
            payload: message.payload,
            forward: outcome.forward,
          });
          if (bytesKept.take(row.atMs[slot] as number)) keepBytes(slot, headerText(message.headers), message.raw);
          else row.skipped[slot] = 1;
          announce(id);
          return;
        }
        case 'ping': {
          const { verifiedBy, ping, at } = event;
          addRare(at, 'ping', () => ({
            at: at.toISOString(),
            kind: 'ping',
            type: 'ping',
            messageId: undefined,
            patientId: undefined,
            ...NO_FLOW,
            verdict: verifiedBy === 'signature' ? 'signature' : 'legacy key',
            status: 200,
            failed: false,
            summary: `answered {"pong":"${clip(ping, MAX_FIELD_CHARS)}"}`,
            storedAs: undefined,
            forward: undefined,
            headers: {},
            from: undefined,
          }));
          return;
        }
        case 'filtered': {
          const { messageType, messageId, at } = event;
          addRare(at, 'filtered', () => ({
            at: at.toISOString(),
            kind: 'filtered',
            type: messageType,
            messageId,
            patientId: undefined,
            ...NO_FLOW,
            verdict: 'signature',
            status: 200,
            failed: false,
            summary: 'not in --events: answered 200, not shown or stored',
            storedAs: undefined,
            forward: undefined,
            headers: {},
            from: undefined,
          }));
          return;
        }
        case 'verify-failed':
        case 'rejected': {
          const reason = event.type === 'verify-failed' ? describeVerifyFailure(event.reason) : describeRefusal(event.refusal);
          const refusedWith = event.type === 'verify-failed' ? 401 : event.status;
          const { from, at } = event;
          addRefused(() => ({
            at: at.toISOString(),
            kind: 'refused',
            type: undefined,
            messageId: undefined,
            patientId: undefined,
            ...NO_FLOW,
            verdict: `refused: ${reason}`,
            status: refusedWith,
            failed: false,
            summary: reason,
            storedAs: undefined,
            forward: undefined,
            headers: headersFromText(headerText(from?.headers ?? {})),
            from: [from?.address, from?.userAgent].filter(Boolean).join(', ') || undefined,
          }));
          return;
        }
        default:
          return;
      }
    },
    addCapture(input) {
      const { id, slot } = record({
        at: input.at,
        kind: 'message',
        verified: FROM_CAPTURE,
        status: 0,
        type: input.type,
        messageId: input.messageId,
        storedAs: input.fileName,
        payload: input.payload,
        forward: undefined,
      });
      keepBytes(slot, '', input.raw);
      announce(id);
      return get(id) as Entry;
    },
    list() {
      // Both rings, newest first, merged by id.
      const entries: Entry[] = [];
      let mainSeq = written - 1;
      let refusedSeq = refusedWritten - 1;
      const mainEnd = Math.max(0, written - capacity);
      const refusedEnd = Math.max(0, refusedWritten - refusedCapacity);
      while (mainSeq >= mainEnd || refusedSeq >= refusedEnd) {
        const mainId = mainSeq >= mainEnd ? (row.id[mainSeq % capacity] as number) : -1;
        const refusedId = refusedSeq >= refusedEnd ? (refused.id[refusedSeq % refusedCapacity] as number) : -1;
        if (mainId > refusedId) entries.push(entryIn(mainSeq-- % capacity));
        else entries.push(refusedIn(refusedSeq-- % refusedCapacity));
      }
      return entries;
    },
    received: () => nextId - 1,
    newest: (ids) => ids.filter(held).map((id) => get(id) as Entry),
    get,
    body(id) {
      const slot = mainSlotOf(id);
      return slot >= 0 ? bodyIn(slot) : undefined;
    },
    forward(id) {
      const slot = mainSlotOf(id);
      return slot >= 0 ? row.extra[slot]?.forward : undefined;
    },
    attempts(id) {
      const entry = get(id);
      if (entry?.messageId === undefined) return entry === undefined ? [] : [entry];
      // Refused requests have no messageId: only the main ring can hold deliveries of one.
      return mainSlots()
        .filter((slot) => row.messageId[slot] === entry.messageId)
        .map(entryIn);
    },
    flowMembers(keys) {
      const found = new Map<string, FlowMember[]>();
      for (const slot of mainSlots()) {
        const key = row.flow[slot];
        if (key === undefined || !keys.has(key)) continue;
        const members = found.get(key) ?? [];
        members.push({
          id: row.id[slot] as number,
          atMs: row.atMs[slot] as number,
          type: row.type[slot],
          kind: KINDS[row.kind[slot] as number] as Entry['kind'],
          step: row.step[slot] as number,
          patientId: row.patientId[slot],
        });
        found.set(key, members);
      }
      return found;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * A small body is a view into a shared slab (Node's 8 KB buffer pool): keeping the view would keep the slab,
 * several times the body's size, so it is copied into memory of its own.
 */
function ownBytes(raw: Buffer): Buffer {
  if (raw.byteOffset === 0 && raw.buffer.byteLength === raw.length) return raw;
  const own = Buffer.allocUnsafeSlow(raw.length);
  raw.copy(own);
  return own;
}

/** Longest id, type or patient id an entry carries: a payload's 30 MB "patientId" must not ride on every row. */
const MAX_FIELD_CHARS = 200;
/** Longest summary line (it quotes fields of the payload). */
const MAX_SUMMARY_CHARS = 1000;
/** At most this many patients or users are looked at for a failure (bounded work for a huge list). */
const FAILURE_SCAN = 1000;

/**
 * A string cut to `max` characters, as a copy of its own: a slice of a long string can keep the whole of it
 * alive (V8 slices point into their parent), which would defeat the cut. Short strings pass as they are.
 */
function clip(value: string, max: number): string {
  if (value.length <= max) return value;
  return Buffer.from(`${value.slice(0, max - 1)}…`, 'utf8').toString('utf8');
}

/** Whether the payload reports a failure (see Entry.failed). Built only when an entry is asked for. */
function reportsFailure(payload: unknown): boolean {
  if (!isRecord(payload)) return false;
  const failed = (value: unknown) => isRecord(value) && value.status === 'failed';
  for (const list of [payload.patients, payload.users]) {
    if (Array.isArray(list) && list.slice(0, FAILURE_SCAN).some(failed)) return true;
  }
  const inner = payload.payload;
  return failed(inner) || (isRecord(inner) && failed(inner.source)) || failed(payload.bulkPatientCreate);
}

/** `name: value` lines, one per header; a legacy `x-webhook-key` (the secret itself) is never kept. */
function headerText(headers: Readonly<Record<string, string | string[] | undefined>>): string {
  let text = '';
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    // Node refuses header values with CR or LF, so a newline always ends a header here.
    text += `${text === '' ? '' : '\n'}${name}: ${name === 'x-webhook-key' ? '(the webhook key, not kept)' : Array.isArray(value) ? value.join(', ') : value}`;
  }
  return text;
}

function headersFromText(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text === '' ? [] : text.split('\n')) {
    const colon = line.indexOf(': ');
    headers[line.slice(0, colon)] = line.slice(colon + 2);
  }
  return headers;
}
