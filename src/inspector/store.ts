import { summarizePayload } from '../output/summarize.js';
import { describeForward, describeOutcome, describeRefusal, describeVerifyFailure } from '../output/words.js';
import type { SessionEvent } from '../session/events.js';
import { isRecord } from '../util/json.js';
import { parseBody } from '../webhook/message.js';

/** One request as the inspector shows it. Bodies are kept separately, within a bound. */
export interface Entry {
  id: number;
  at: string;
  kind: 'message' | 'duplicate' | 'ping' | 'filtered' | 'refused';
  type: string | undefined;
  messageId: string | undefined;
  patientId: string | undefined;
  /** How it was verified, or why it was refused. */
  verdict: string;
  /** The status the sender got back. */
  status: number | undefined;
  /** One line: the summary for its type, and the outcome. */
  summary: string;
  storedAs: string | undefined;
  forward: string | undefined;
  headers: Record<string, string>;
  from: string | undefined;
  /** Whether its exact bytes are still held (bodies are bounded; metadata is kept longer). */
  hasBody: boolean;
}

export interface InspectorStore {
  record(event: SessionEvent): void;
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
  /** Entries that share its messageId: the first delivery and its retries. */
  attempts(id: number): Entry[];
  /** Told the id of each new request; the entry is built only if asked for. */
  subscribe(listener: (id: number) => void): () => void;
}

export interface InspectorLimits {
  /** Entries kept (oldest dropped first). */
  maxEntries: number;
  /** Bytes of bodies kept (oldest bodies dropped first; their metadata stays). */
  maxBodyBytes: number;
}

export const DEFAULT_INSPECTOR_LIMITS: InspectorLimits = { maxEntries: 2000, maxBodyBytes: 64 * 1024 * 1024 };

/**
 * A request as recorded on the receiving path: only references and a closure, so recording costs an
 * allocation, not a summary. The shown entry is built when something asks for it (the page, the live feed),
 * or when its body is dropped (so the closure lets go of the bytes).
 */
interface Slot {
  id: number;
  build: () => Omit<Entry, 'id' | 'hasBody'>;
  entry: Entry | undefined;
  body: Buffer | undefined;
}

/**
 * What the inspector knows, from the session's events: metadata for every request (messages, pings,
 * duplicates, filtered and refused ones) and the exact bytes of verified ones, both bounded so a long session
 * costs bounded memory. Refused requests keep their headers, never their body.
 */
export function createInspectorStore(limits: InspectorLimits = DEFAULT_INSPECTOR_LIMITS): InspectorStore {
  // Ids are consecutive and slots are dropped from the front only, so an id's slot is found by subtraction.
  let slots: Slot[] = [];
  const slotOf = (id: number): Slot | undefined => slots[id - (slots[0]?.id ?? 0)];
  let bodyBytes = 0;
  let nextId = 1;
  const listeners = new Set<(id: number) => void>();

  const materialize = (slot: Slot): Entry => {
    slot.entry ??= { ...slot.build(), id: slot.id, hasBody: false };
    slot.entry.hasBody = slot.body !== undefined;
    return slot.entry;
  };
  const dropBody = (slot: Slot) => {
    if (slot.body === undefined) return;
    const entry = materialize(slot);
    // The closure holds the bytes; the built entry is all that is needed from now on.
    slot.build = () => entry;
    bodyBytes -= slot.body.length;
    slot.body = undefined;
    entry.hasBody = false;
  };
  const add = (build: Slot['build'], body?: Buffer): number => {
    const slot: Slot = { id: nextId++, build, entry: undefined, body };
    slots.push(slot);
    if (body !== undefined) bodyBytes += body.length;
    // Trimmed in steps, not one shift per request: the array is copied once per 256 requests.
    if (slots.length > limits.maxEntries + 256) {
      const gone = slots.slice(0, slots.length - limits.maxEntries);
      slots = slots.slice(slots.length - limits.maxEntries);
      for (const old of gone) if (old.body !== undefined) bodyBytes -= old.body.length;
    }
    for (let index = 0; bodyBytes > limits.maxBodyBytes && index < slots.length - 1; index += 1) dropBody(slots[index] as Slot);
    for (const listener of listeners) listener(slot.id);
    return slot.id;
  };
  const live = () => slots.slice(-limits.maxEntries);

  return {
    record(event) {
      // Turned into text only when shown: the receiving path pays for a reference, not a formatted date.
      const when = 'at' in event ? event.at : event.type === 'message' ? event.message.receivedAt : new Date();
      switch (event.type) {
        case 'message':
        case 'duplicate': {
          const { message, outcome } = event;
          const kind = event.type;
          const { type, messageId, verifiedBy, headers } = message;
          const raw = ownBytes(message.raw);
          add(() => {
            const parsed = parseBody(raw);
            const payload = parsed.ok ? parsed.body.payload : undefined;
            return {
              at: when.toISOString(),
              kind,
              type,
              messageId,
              patientId: patientIdOf(payload),
              verdict: verifiedBy === 'signature' ? 'signature' : 'legacy key',
              headers: flatten(headers),
              from: undefined,
              status: outcome.status,
              summary: `${summarizePayload(type, payload)} → ${describeOutcome(outcome, { duplicate: kind === 'duplicate' })}`,
              storedAs: outcome.storedAs,
              forward: outcome.forward === undefined ? undefined : describeForward(outcome.forward),
            };
          }, raw);
          return;
        }
        case 'ping': {
          const { verifiedBy, ping } = event;
          add(() => ({ at: when.toISOString(), kind: 'ping', type: 'ping', messageId: undefined, patientId: undefined, verdict: verifiedBy === 'signature' ? 'signature' : 'legacy key', status: 200, summary: `answered {"pong":"${ping}"}`, storedAs: undefined, forward: undefined, headers: {}, from: undefined }));
          return;
        }
        case 'filtered': {
          const { messageType, messageId } = event;
          add(() => ({ at: when.toISOString(), kind: 'filtered', type: messageType, messageId, patientId: undefined, verdict: 'signature', status: 200, summary: 'not in --events: answered 200, not shown or stored', storedAs: undefined, forward: undefined, headers: {}, from: undefined }));
          return;
        }
        case 'verify-failed':
        case 'rejected': {
          const reason = event.type === 'verify-failed' ? describeVerifyFailure(event.reason) : describeRefusal(event.refusal);
          const status = event.type === 'verify-failed' ? 401 : event.status;
          const from = event.from;
          add(() => ({
            at: when.toISOString(),
            kind: 'refused',
            type: undefined,
            messageId: undefined,
            patientId: undefined,
            verdict: `refused: ${reason}`,
            status,
            summary: reason,
            storedAs: undefined,
            forward: undefined,
            headers: flatten(from?.headers ?? {}),
            from: [from?.address, from?.userAgent].filter(Boolean).join(', ') || undefined,
          }));
          return;
        }
        default:
          return;
      }
    },
    addCapture(input) {
      const id = add(
        () => ({
          at: input.at.toISOString(),
          kind: 'message',
          type: input.type,
          messageId: input.messageId,
          patientId: patientIdOf(input.payload),
          verdict: 'from a capture file',
          status: undefined,
          summary: summarizePayload(input.type, input.payload),
          storedAs: input.fileName,
          forward: undefined,
          headers: {},
          from: undefined,
        }),
        input.raw,
      );
      return materialize(slotOf(id) as Slot);
    },
    list: () => live().reverse().map(materialize),
    received: () => nextId - 1,
    newest(ids) {
      return ids.flatMap((id) => {
        const slot = slotOf(id);
        return slot === undefined ? [] : [materialize(slot)];
      });
    },
    get(id) {
      const slot = slotOf(id);
      return slot === undefined ? undefined : materialize(slot);
    },
    body: (id) => slotOf(id)?.body,
    attempts(id) {
      const entry = this.get(id);
      if (entry?.messageId === undefined) return entry === undefined ? [] : [entry];
      return live()
        .map(materialize)
        .filter((item) => item.messageId === entry.messageId);
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

function patientIdOf(payload: unknown): string | undefined {
  if (!isRecord(payload)) return undefined;
  const inner = isRecord(payload.payload) ? payload.payload : undefined;
  if (typeof inner?.patientId === 'string') return inner.patientId;
  const first = Array.isArray(payload.patients) && isRecord(payload.patients[0]) ? payload.patients[0] : undefined;
  return typeof first?.patientId === 'string' ? first.patientId : undefined;
}

/** Headers as strings; a legacy `x-webhook-key` (the secret itself) is never kept. */
function flatten(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name] = name === 'x-webhook-key' ? '(the webhook key, not kept)' : Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
