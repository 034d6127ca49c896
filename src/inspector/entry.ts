/**
 * What the inspector's server sends its page: one request as a row (`Entry`), the live feed's batches and the
 * JSON answers of its API. Both sides import these types (the server under Node, the page under the DOM
 * tsconfig, tsconfig.page.json), so a renamed field breaks the build on both. Types only: the page is
 * compiled alone and loads nothing else, so this module must never hold code or import anything.
 */

/** One request as the inspector shows it. Bodies are kept separately, within a bound. */
export interface Entry {
  id: number;
  at: string;
  kind: 'message' | 'duplicate' | 'ping' | 'filtered' | 'refused';
  type: string | undefined;
  messageId: string | undefined;
  patientId: string | undefined;
  /** `meta.requestId`: the API request that started the flow it is part of. */
  requestId: string | undefined;
  /** The flow it is shown in (a FlowSummary's key): its requestId, or for ADT its hospital stay. */
  flow: string | undefined;
  /** A message of a flow's type (medical.*, network-query.*) that came without a requestId: it cannot be tied to its flow. */
  noRequestId: boolean;
  /** How it was verified, or why it was refused. */
  verdict: string;
  /** The status the sender got back. */
  status: number | undefined;
  /**
   * The payload reports a failure although the delivery succeeded: a `status` of "failed" for a patient, a
   * user, the job, the query's source or the message (failed consolidated data, a failed document query…).
   */
  failed: boolean;
  /** One line: the summary for its type, and the outcome. */
  summary: string;
  storedAs: string | undefined;
  forward: string | undefined;
  headers: Record<string, string>;
  from: string | undefined;
  /** Whether its exact bytes are still held (bodies are bounded; metadata is kept longer). */
  hasBody: boolean;
}

/**
 * What one live-feed message (`/api/events`) carries: the newest entries (oldest first), how many requests
 * arrived in all, and the flows those entries belong to as they stand now.
 */
export interface FeedBatch {
  entries: Entry[];
  received: number;
  flows: FlowSummary[];
}

export type FlowKind = 'document-query' | 'consolidated' | 'network-query' | 'bulk-import' | 'document-urls' | 'adt' | 'other';

/** The API call that started a flow, as the emulator that answered it recorded it (`listen --emulator`). */
export interface FlowCall {
  /** `METHOD /path`. */
  call: string;
  at: string;
  /** From the flow's first event. */
  offsetMs: number;
  /** The network query's sources, as asked for. */
  sources: string[] | undefined;
}

/** A flow: the messages of one requestId (for ADT, of one hospital stay), and what has not arrived yet. */
export interface FlowSummary {
  key: string;
  kind: FlowKind;
  /** The kind in words ("Document query"). */
  label: string;
  /**
   * `waiting`: a message the flow's kind expects has not arrived (`waitingFor`); `complete`: nothing more is
   * expected; `open`: whether more will come is not known (a network query whose sources were not seen).
   */
  state: 'waiting' | 'complete' | 'open';
  /** The message types not arrived yet. */
  waitingFor: string[];
  /** One sentence: what this kind of flow sends, or why it ended. */
  note: string;
  /** A message of it reports a failure. */
  failed: boolean;
  /** Its messages still held. */
  messages: number;
  /** Its first event: the call when known, else its first message. */
  firstAt: string;
  /** From its first event to its last message. */
  spanMs: number;
  patientId: string | undefined;
  startedBy: FlowCall | undefined;
}

/** A flow with its messages, oldest first, each with its time from the flow's first event. */
export interface FlowView extends FlowSummary {
  requestIds: string[];
  steps: Array<{ entry: Entry; offsetMs: number }>;
}

/** `GET /api/entries`: the history, newest first. */
export interface EntriesAnswer {
  entries: Entry[];
  /** How many requests arrived in all, including those no longer held. */
  received: number;
  /** Whether replay is on (a listener runs; `inspect <dir>` has none). */
  replay: boolean;
  /** The flows of the entries. */
  flows: FlowSummary[];
}

/** `GET /api/entries/:id`: one request, its body while held, every delivery of its messageId, and its flow. */
export interface EntryAnswer {
  entry: Entry;
  /** The body as UTF-8 text; absent once its bytes are no longer held, and for refused requests. */
  body?: string | undefined;
  attempts: Entry[];
  /** What `--forward-to`'s app answered (or why it could not); absent without --forward-to, and for captures. */
  app?: AppResponse | undefined;
  /** Its flow, with every message of it still held; absent when it is tied to none. */
  flow?: FlowView | undefined;
}

/** The app's answer to a forwarded message, as `listen --forward-to` recorded it (its body cut at 64 KB). */
export type AppResponse =
  | { kind: 'answered'; url: string; status: number; durationMs: number; body: string }
  | { kind: 'failed'; url: string; status: number; reason: 'queued' | 'timeout' | 'unreachable'; detail: string; timeoutMs: number };

/** `POST /api/entries/:id/replay`, when it was sent: what the listener answered. */
export interface ReplayAnswer {
  /** null: no answer came (the connection failed or timed out). */
  status: number | null;
  ok: boolean;
  detail: string;
}

/** Any 4xx of the API that has a body: a sentence for the page to show. */
export interface ErrorAnswer {
  error: string;
}
