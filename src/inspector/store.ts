import { summarizePayload } from '../output/summarize.js';
import { describeOutcome, describeRefusal, describeVerifyFailure } from '../output/words.js';
import type { SessionEvent } from '../session/events.js';
import { isRecord } from '../util/json.js';
import type { ReceivedMessage } from '../webhook/message.js';

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
  list(): Entry[];
  get(id: number): Entry | undefined;
  body(id: number): Buffer | undefined;
  /** Entries that share its messageId: the first delivery and its retries. */
  attempts(id: number): Entry[];
  subscribe(listener: (entry: Entry) => void): () => void;
}

export interface InspectorLimits {
  /** Entries kept (oldest dropped first). */
  maxEntries: number;
  /** Bytes of bodies kept (oldest bodies dropped first; their metadata stays). */
  maxBodyBytes: number;
}

export const DEFAULT_INSPECTOR_LIMITS: InspectorLimits = { maxEntries: 2000, maxBodyBytes: 64 * 1024 * 1024 };

/**
 * What the inspector knows, from the session's events: metadata for every request (messages, pings,
 * duplicates, filtered and refused ones) and the exact bytes of verified ones, both bounded so a long session
 * costs bounded memory. Refused requests keep their headers, never their body.
 */
export function createInspectorStore(limits: InspectorLimits = DEFAULT_INSPECTOR_LIMITS): InspectorStore {
  const entries: Entry[] = [];
  const bodies = new Map<number, Buffer>();
  let bodyBytes = 0;
  let nextId = 1;
  const listeners = new Set<(entry: Entry) => void>();

  const add = (entry: Omit<Entry, 'id' | 'hasBody'>, body?: Buffer): Entry => {
    const full: Entry = { ...entry, id: nextId++, hasBody: body !== undefined };
    entries.push(full);
    if (body !== undefined) {
      bodies.set(full.id, body);
      bodyBytes += body.length;
    }
    while (entries.length > limits.maxEntries) drop((entries.shift() as Entry).id);
    for (const old of entries) {
      if (bodyBytes <= limits.maxBodyBytes) break;
      if (old.hasBody && old.id !== full.id) drop(old.id, true);
    }
    for (const listener of listeners) listener(full);
    return full;
  };
  const drop = (id: number, keepEntry = false) => {
    const body = bodies.get(id);
    if (body !== undefined) bodyBytes -= body.length;
    bodies.delete(id);
    if (keepEntry) {
      const entry = entries.find((item) => item.id === id);
      if (entry !== undefined) entry.hasBody = false;
    }
  };

  const fromMessage = (message: ReceivedMessage) => ({
    type: message.type,
    messageId: message.messageId,
    patientId: patientIdOf(message.payload),
    verdict: message.verifiedBy === 'signature' ? 'signature' : 'legacy key',
    headers: flatten(message.headers),
    from: undefined,
  });

  return {
    record(event) {
      const at = ('at' in event ? event.at : event.type === 'message' ? event.message.receivedAt : new Date()).toISOString();
      switch (event.type) {
        case 'message':
        case 'duplicate':
          add(
            {
              at,
              kind: event.type,
              ...fromMessage(event.message),
              status: event.outcome.status,
              summary: `${summarizePayload(event.message.type, event.message.payload)} → ${describeOutcome(event.outcome, { duplicate: event.type === 'duplicate' })}`,
              storedAs: event.outcome.storedAs,
              forward: event.outcome.forward === undefined ? undefined : describeOutcome({ ...event.outcome, storedAs: undefined }),
            },
            event.message.raw,
          );
          return;
        case 'ping':
          add({ at, kind: 'ping', type: 'ping', messageId: undefined, patientId: undefined, verdict: event.verifiedBy === 'signature' ? 'signature' : 'legacy key', status: 200, summary: `answered {"pong":"${event.ping}"}`, storedAs: undefined, forward: undefined, headers: {}, from: undefined });
          return;
        case 'filtered':
          add({ at, kind: 'filtered', type: event.messageType, messageId: event.messageId, patientId: undefined, verdict: 'signature', status: 200, summary: 'not in --events: answered 200, not shown or stored', storedAs: undefined, forward: undefined, headers: {}, from: undefined });
          return;
        case 'verify-failed':
        case 'rejected': {
          const reason = event.type === 'verify-failed' ? describeVerifyFailure(event.reason) : describeRefusal(event.refusal);
          add({
            at,
            kind: 'refused',
            type: undefined,
            messageId: undefined,
            patientId: undefined,
            verdict: `refused: ${reason}`,
            status: event.type === 'verify-failed' ? 401 : event.status,
            summary: reason,
            storedAs: undefined,
            forward: undefined,
            headers: flatten(event.from?.headers ?? {}),
            from: [event.from?.address, event.from?.userAgent].filter(Boolean).join(', ') || undefined,
          });
          return;
        }
        default:
          return;
      }
    },
    addCapture(input) {
      return add(
        {
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
        },
        input.raw,
      );
    },
    list: () => [...entries].reverse(),
    get: (id) => entries.find((entry) => entry.id === id),
    body: (id) => bodies.get(id),
    attempts(id) {
      const entry = entries.find((item) => item.id === id);
      if (entry?.messageId === undefined) return entry === undefined ? [] : [entry];
      return entries.filter((item) => item.messageId === entry.messageId);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
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
