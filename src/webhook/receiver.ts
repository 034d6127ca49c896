import type { MwError } from '../errors.js';
import type { EventFilter } from './event-filter.js';
import type { KeyHolder } from './key-holder.js';
import { type ParseFailure, type ReceivedMessage, parseBody } from './message.js';
import { LEGACY_KEY_HEADER, SIGNATURE_HEADER, type VerifiedBy, type VerifyFailure, verify } from './signature.js';

export interface IncomingWebhook {
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
}

export interface ReceiverReply {
  status: number;
  /** JSON body; no body at all when absent (the 401 Metriport's docs ask for is empty). */
  body?: Record<string, unknown>;
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
  | { reason: 'busy'; limitBytes: number };

/** What the receiver reports. Events carry data; only `output/` turns them into words. */
export type ReceiverEvent =
  | { type: 'message'; message: ReceivedMessage }
  | { type: 'ping'; at: Date; ping: string; verifiedBy: VerifiedBy }
  | { type: 'duplicate'; at: Date; message: ReceivedMessage }
  | { type: 'filtered'; at: Date; messageType: string; messageId: string | undefined }
  | { type: 'verify-failed'; at: Date; reason: VerifyFailure }
  | { type: 'rejected'; at: Date; status: number; refusal: Refusal }
  | { type: 'store-failed'; at: Date; message: ReceivedMessage; error: MwError | Error };

export interface ReceiverOptions {
  keys: KeyHolder;
  /** How long a request waits for a key that is not known yet, in ms. */
  keyWaitMs: number;
  filter: EventFilter;
  /** Stores a verified message; resolves once it is on disk. Absent when capture is off. */
  store?: ((message: ReceivedMessage) => Promise<void>) | undefined;
  /** messageId keys already stored before this session (see `capture/file-names.ts` `messageIdKey`). */
  knownMessageIds?: ReadonlySet<string>;
  /** Turns a messageId into its duplicate-detection key. */
  messageIdKey: (messageId: string) => string;
  /** `--forward-to`: hands each shown message (and each duplicate: retries reach production apps too) to the app. */
  forward?: ((message: ReceivedMessage) => Promise<ReceiverReply>) | undefined;
  publish: (event: ReceiverEvent) => void;
  now: () => Date;
}

export interface Receiver {
  handle(request: IncomingWebhook): Promise<ReceiverReply>;
  /** For refusals decided before the body reached `handle` (size limit, method, load). */
  noteRejected(status: number, refusal: Refusal): void;
  /** For a request refused 401 before its body was read (no credential at all). */
  noteUnverified(reason: VerifyFailure): void;
  stats(): ReceiverStats;
}

const ACCEPTED: ReceiverReply = { status: 200, body: { received: true } };

/**
 * The framework-free heart of `listen`: verify over raw bytes, answer pings, drop filtered and duplicate
 * messages, store the rest, and only then acknowledge.
 */
export function createReceiver(options: ReceiverOptions): Receiver {
  const { keys, keyWaitMs, filter, store, forward, publish, now } = options;
  const stats: ReceiverStats = { received: 0, verified: 0, rejected: 0, duplicates: 0, filtered: 0, stored: 0 };
  // messageId key -> the store of its first arrival; a repeat waits for that store before answering.
  const seen = new Map<string, Promise<boolean>>();
  for (const key of options.knownMessageIds ?? []) seen.set(key, Promise.resolve(true));

  function refuse(status: number, refusal: Refusal): ReceiverReply {
    stats.rejected += 1;
    publish({ type: 'rejected', at: now(), status, refusal });
    return { status };
  }

  async function handle(request: IncomingWebhook): Promise<ReceiverReply> {
    stats.received += 1;
    const key = keys.current() ?? (await keys.wait(keyWaitMs));
    // Metriport counts a 503 as failed, so `retry` can resend it once the key is known.
    if (key === undefined) return refuse(503, { reason: 'key-unknown' });

    const verdict = verify({
      key,
      body: request.body,
      signature: singleHeader(request.headers[SIGNATURE_HEADER]),
      legacyKey: singleHeader(request.headers[LEGACY_KEY_HEADER]),
    });
    if (!verdict.ok) {
      stats.rejected += 1;
      publish({ type: 'verify-failed', at: now(), reason: verdict.reason });
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
    if (earlier !== undefined && (await earlier)) {
      stats.duplicates += 1;
      publish({ type: 'duplicate', at: message.receivedAt, message });
      return forward === undefined ? ACCEPTED : forward(message);
    }

    const stored = store === undefined ? Promise.resolve() : store(message);
    const outcome = stored.then(
      () => true,
      () => false,
    );
    if (idKey !== undefined) seen.set(idKey, outcome);
    try {
      await stored;
    } catch (error) {
      if (idKey !== undefined) seen.delete(idKey);
      publish({ type: 'store-failed', at: now(), message, error: error instanceof Error ? error : new Error(String(error)) });
      // Our failure, not the sender's: a 5xx makes Metriport count it as failed, so `retry` can resend it.
      return { status: 500 };
    }
    if (store !== undefined) stats.stored += 1;
    publish({ type: 'message', message });
    return forward === undefined ? ACCEPTED : forward(message);
  }

  return {
    handle,
    noteRejected(status, refusal) {
      stats.received += 1;
      refuse(status, refusal);
    },
    noteUnverified(reason) {
      stats.received += 1;
      stats.rejected += 1;
      publish({ type: 'verify-failed', at: now(), reason });
    },
    stats: () => ({ ...stats }),
  };
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
