import type { MwError } from '../errors.js';
import { isPending, type MaybePromise, whenSettled } from '../util/maybe-promise.js';
import type { EventFilter } from '../webhook/event-filter.js';
import { type ParseFailure, parseBody, type ReceivedMessage } from '../webhook/message.js';
import { LEGACY_KEY_HEADER, SIGNATURE_HEADER, type VerifiedBy, type VerifyFailure, verify } from '../webhook/signature.js';
import type { KeyHolder } from './key-holder.js';

export interface IncomingWebhook {
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
  /** Who sent it, for refusals. */
  from?: Sender | undefined;
}

/** Who sent a request: the peer (or, behind a local tunnel, the address it forwarded for) and its user-agent. */
export interface Sender {
  address: string | undefined;
  userAgent: string | undefined;
  /** The request's headers, for the inspector (never the body of an unverified request). */
  headers?: Readonly<Record<string, string | string[] | undefined>> | undefined;
}

export interface ReceiverReply {
  status: number;
  /** JSON body; no body at all when absent (the 401 Metriport's docs ask for is empty). */
  body?: Record<string, unknown>;
}

/** What became of a forward to `--forward-to`. */
export type ForwardOutcome =
  | { kind: 'answered'; url: string; status: number; durationMs: number; body: string }
  | { kind: 'failed'; url: string; status: 502 | 504; reason: 'queued' | 'timeout' | 'unreachable'; detail: string; timeoutMs: number };

/** The whole truth about one message: what the sender got back, where it was stored, what the app said. */
export interface MessageOutcome {
  /** The HTTP status the sender received. */
  status: number;
  /** The `--out` file name this arrival was stored as (not for a duplicate, which is not stored again). */
  storedAs: string | undefined;
  forward: ForwardOutcome | undefined;
}

/** Counters printed when `listen` stops. */
export interface ReceiverStats {
  /** Requests to the webhook path. */
  received: number;
  verified: number;
  /** Refused: failed verification, unreadable body, too large, wrong method. */
  rejected: number;
  duplicates: number;
  /** Verified and answered, but left out by `--events`. */
  filtered: number;
  /** Written to `--out` / `--jsonl`. */
  stored: number;
  /** Passed to `--forward-to` and answered with a 2xx / not. */
  forwarded: number;
  forwardFailed: number;
}

/** Why a request was refused before or after its body was read; `output/` words each one. */
export type Refusal =
  | { reason: 'method'; method: string; path: string }
  | { reason: 'too-large'; limitBytes: number }
  | { reason: 'unreadable'; detail: string }
  | { reason: 'body'; failure: ParseFailure }
  | { reason: 'ping-without-value' }
  | { reason: 'key-unknown' }
  /** Too many bytes of unverified bodies held at once. */
  | { reason: 'busy'; limitBytes: number }
  /** The body stopped arriving (an announced body never came, or stopped half-way). */
  | { reason: 'stalled'; declaredBytes: number | undefined; receivedBytes: number };

/** What the receiver reports. Events carry data; only `output/` turns them into words. */
export type ReceiverEvent =
  | { type: 'message'; message: ReceivedMessage; outcome: MessageOutcome }
  | { type: 'ping'; at: Date; ping: string; verifiedBy: VerifiedBy }
  | { type: 'duplicate'; at: Date; message: ReceivedMessage; outcome: MessageOutcome }
  | { type: 'filtered'; at: Date; messageType: string; messageId: string | undefined }
  | { type: 'verify-failed'; at: Date; reason: VerifyFailure; from?: Sender | undefined }
  | { type: 'rejected'; at: Date; status: number; refusal: Refusal; from?: Sender | undefined }
  | { type: 'store-failed'; at: Date; message: ReceivedMessage; error: MwError | Error };

export interface ReceiverOptions {
  keys: KeyHolder;
  /** How long a request waits for a key that is not known yet, in ms. */
  keyWaitMs: number;
  filter: EventFilter;
  /**
   * Stores a verified message; returns (or resolves, when the write is not synchronous) once it is on disk,
   * with the `--out` file name if any. Absent when capture is off.
   */
  store?: ((message: ReceivedMessage) => MaybePromise<string | undefined>) | undefined;
  /** messageId keys already stored before this session (see `capture/file-names.ts` `messageIdKey`). */
  knownMessageIds?: ReadonlySet<string>;
  /** How many messageIds duplicate detection remembers; default REMEMBERED_MESSAGE_IDS. */
  rememberedMessageIds?: number;
  /** Turns a messageId into its duplicate-detection key. */
  messageIdKey: (messageId: string) => string;
  /** `--forward-to`: hands each shown message (and each duplicate: retries reach production apps too) to the app. */
  forward?: ((message: ReceivedMessage) => Promise<{ reply: ReceiverReply; outcome: ForwardOutcome }>) | undefined;
  publish: (event: ReceiverEvent) => void;
  now: () => Date;
}

export interface Receiver {
  /** The answer, at once when nothing had to be waited for (no promise per request on the usual path). */
  handle(request: IncomingWebhook): MaybePromise<ReceiverReply>;
  /** For refusals decided before the body reached `handle` (size limit, method, load). */
  noteRejected(status: number, refusal: Refusal, from?: Sender): void;
  /** For a request refused 401 before its body was read (no credential at all). */
  noteUnverified(reason: VerifyFailure, from?: Sender): void;
  stats(): ReceiverStats;
}

const ACCEPTED: ReceiverReply = { status: 200, body: { received: true } };

/**
 * MessageIds remembered for duplicate detection, the oldest forgotten first: far more than any Metriport
 * session delivers, and a bound (~100 MB of ids) for a load test that runs for hours. A repeat of a forgotten
 * id is stored again, as on a fresh start without --out.
 */
export const REMEMBERED_MESSAGE_IDS = 1_000_000;

/**
 * The framework-free heart of `listen`: verify over raw bytes, answer pings, drop filtered and duplicate
 * messages, store the rest, and only then acknowledge.
 */
export function createReceiver(options: ReceiverOptions): Receiver {
  const { keys, keyWaitMs, filter, store, forward, publish, now } = options;
  const stats: ReceiverStats = {
    received: 0,
    verified: 0,
    rejected: 0,
    duplicates: 0,
    filtered: 0,
    stored: 0,
    forwarded: 0,
    forwardFailed: 0,
  };

  /** Hands the message to the app when forwarding; the app's answer becomes the sender's. */
  async function forwarded(
    message: ReceivedMessage,
    storedAs: string | undefined,
    app: NonNullable<typeof forward>,
  ): Promise<{ reply: ReceiverReply; outcome: MessageOutcome }> {
    const result = await app(message);
    if (result.outcome.kind === 'answered' && result.outcome.status >= 200 && result.outcome.status < 300) stats.forwarded += 1;
    else stats.forwardFailed += 1;
    return { reply: result.reply, outcome: { status: result.reply.status, storedAs, forward: result.outcome } };
  }

  /** Answers a stored (or duplicate) message, and publishes it once the whole outcome is known. */
  function finish(type: 'message' | 'duplicate', message: ReceivedMessage, storedAs: string | undefined): MaybePromise<ReceiverReply> {
    // Published once the whole outcome is known, so one line can tell the truth about it.
    const tell = (outcome: MessageOutcome) =>
      type === 'message' ? publish({ type, message, outcome }) : publish({ type, at: message.receivedAt, message, outcome });
    if (forward === undefined) {
      tell({ status: ACCEPTED.status, storedAs, forward: undefined });
      return ACCEPTED;
    }
    return forwarded(message, storedAs, forward).then(({ reply, outcome }) => {
      tell(outcome);
      return reply;
    });
  }

  // messageId key -> stored (true), or the store of its first arrival still under way: a repeat waits for it,
  // and is a duplicate if it succeeds, stored in its place if it fails.
  const seen = new Map<string, Promise<unknown> | true>();
  for (const key of options.knownMessageIds ?? []) seen.set(key, true);
  const remembered = options.rememberedMessageIds ?? REMEMBERED_MESSAGE_IDS;
  const remember = (key: string, value: Promise<unknown> | true) => {
    seen.set(key, value);
    if (seen.size <= remembered) return;
    // The oldest goes, unless its store is still under way (a repeat must wait for that one).
    const [oldestKey, oldest] = seen.entries().next().value as [string, Promise<unknown> | true];
    if (oldest === true) seen.delete(oldestKey);
  };

  function refuse(status: number, refusal: Refusal, from?: Sender): ReceiverReply {
    stats.rejected += 1;
    publish({ type: 'rejected', at: now(), status, refusal, from });
    return { status };
  }

  function handle(request: IncomingWebhook): MaybePromise<ReceiverReply> {
    stats.received += 1;
    const key = keys.current();
    if (key !== undefined) return handleWith(key, request);
    // Metriport counts a 503 as failed, so `retry` can resend it once the key is known.
    return keys
      .wait(keyWaitMs)
      .then((known) => (known === undefined ? refuse(503, { reason: 'key-unknown' }, request.from) : handleWith(known, request)));
  }

  function handleWith(key: string, request: IncomingWebhook): MaybePromise<ReceiverReply> {
    const verdict = verify({
      key,
      body: request.body,
      signature: singleHeader(request.headers[SIGNATURE_HEADER]),
      legacyKey: singleHeader(request.headers[LEGACY_KEY_HEADER]),
    });
    if (!verdict.ok) {
      stats.rejected += 1;
      publish({ type: 'verify-failed', at: now(), reason: verdict.reason, from: request.from });
      return { status: 401 };
    }

    const parsed = parseBody(request.body);
    if (!parsed.ok) return refuse(400, { reason: 'body', failure: parsed.reason });
    const body = parsed.body;
    stats.verified += 1;

    if (body.type === 'ping') {
      if (body.ping === undefined) return refuse(400, { reason: 'ping-without-value' });
      publish({ type: 'ping', at: now(), ping: body.ping, verifiedBy: verdict.verifiedBy });
      return { status: 200, body: { pong: body.ping } };
    }

    if (!filter(body.type)) {
      stats.filtered += 1;
      publish({ type: 'filtered', at: now(), messageType: body.type, messageId: body.messageId });
      return ACCEPTED;
    }

    const message: ReceivedMessage = {
      receivedAt: now(),
      type: body.type,
      messageId: body.messageId,
      when: body.when,
      verifiedBy: verdict.verifiedBy,
      raw: request.body,
      payload: body.payload,
      headers: request.headers,
    };
    const idKey = message.messageId === undefined ? undefined : options.messageIdKey(message.messageId);
    const earlier = idKey === undefined ? undefined : seen.get(idKey);
    if (earlier === true) return duplicate(message);
    if (earlier !== undefined) {
      return earlier.then(
        () => duplicate(message),
        () => storeAndAnswer(message, idKey),
      );
    }
    return storeAndAnswer(message, idKey);
  }

  function duplicate(message: ReceivedMessage): MaybePromise<ReceiverReply> {
    stats.duplicates += 1;
    return finish('duplicate', message, undefined);
  }

  function storeAndAnswer(message: ReceivedMessage, idKey: string | undefined): MaybePromise<ReceiverReply> {
    if (store === undefined) {
      if (idKey !== undefined) remember(idKey, true);
      return finish('message', message, undefined);
    }
    const failed = (error: unknown): ReceiverReply => {
      if (idKey !== undefined) seen.delete(idKey);
      publish({ type: 'store-failed', at: now(), message, error: error instanceof Error ? error : new Error(String(error)) });
      // Our failure, not the sender's: a 5xx makes Metriport count it as failed, so `retry` can resend it.
      return { status: 500 };
    };
    const stored = (storedAs: string | undefined) => {
      if (idKey !== undefined) remember(idKey, true);
      stats.stored += 1;
      return finish('message', message, storedAs);
    };
    let result: MaybePromise<string | undefined>;
    try {
      result = store(message);
    } catch (error) {
      return failed(error);
    }
    // First the arrival's own answer, then any repeat that arrived meanwhile (it waits on the store's own
    // promise, kept in `seen` only while the store is under way; no promise is made for it).
    const answered = whenSettled(result, stored, failed);
    if (idKey !== undefined && isPending(result)) remember(idKey, result);
    return answered;
  }

  return {
    handle,
    noteRejected(status, refusal, from) {
      stats.received += 1;
      refuse(status, refusal, from);
    },
    noteUnverified(reason, from) {
      stats.received += 1;
      stats.rejected += 1;
      publish({ type: 'verify-failed', at: now(), reason, from });
    },
    stats: () => ({ ...stats }),
  };
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
