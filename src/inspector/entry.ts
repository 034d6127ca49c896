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

/** What one live-feed message (`/api/events`) carries: the newest entries (oldest first) and how many requests arrived in all. */
export interface FeedBatch {
  entries: Entry[];
  received: number;
}

/** `GET /api/entries`: the history, newest first. */
export interface EntriesAnswer {
  entries: Entry[];
  /** How many requests arrived in all, including those no longer held. */
  received: number;
  /** Whether replay is on (a listener runs; `inspect <dir>` has none). */
  replay: boolean;
}

/** `GET /api/entries/:id`: one request, its body while held, and every delivery of its messageId. */
export interface EntryAnswer {
  entry: Entry;
  /** The body as UTF-8 text; absent once its bytes are no longer held, and for refused requests. */
  body?: string | undefined;
  attempts: Entry[];
  /** What `--forward-to`'s app answered (or why it could not); absent without --forward-to, and for captures. */
  app?: AppResponse | undefined;
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
