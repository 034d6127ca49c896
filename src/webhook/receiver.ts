import type { Capture } from '../capture/store.js';
import { messageIdKey } from '../capture/file-names.js';
import { isMwError } from '../errors.js';
import type { ReceiverStats, SessionEvent } from '../session/events.js';
import { describeParseFailure, parseDelivery } from './delivery.js';
import type { Forwarder } from '../session/forwarder.js';
import type { EventFilter } from './event-filter.js';
import type { KeyHolder } from './key-holder.js';
import { LEGACY_KEY_HEADER, SIGNATURE_HEADER, describeVerifyFailure, verify } from './signature.js';

export interface IncomingWebhook {
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
}

export interface ReceiverReply {
  status: number;
  /** JSON body; no body at all when absent (the 401 Metriport's docs ask for is empty). */
  body?: Record<string, unknown>;
}

export interface ReceiverOptions {
  keys: KeyHolder;
  /** How long a request waits for a key that is not known yet, in ms. */
  keyWaitMs: number;
  filter: EventFilter;
  /** Where verified messages are stored before they are acknowledged; none when capture is off. */
  capture: Capture | undefined;
  publish: (event: SessionEvent) => void;
  now: () => Date;
  /** `--forward-to`: passes each shown message (and each duplicate, as retries reach production apps) to the app. */
  forward?: Forwarder | undefined;
}

export interface Receiver {
  handle(request: IncomingWebhook): Promise<ReceiverReply>;
  /** For refusals decided before the body reached `handle` (size limit, method). */
  noteRejected(status: number, detail: string): void;
  stats(): ReceiverStats;
}

const ACCEPTED: ReceiverReply = { status: 200, body: { received: true } };

/**
 * The framework-free heart of `listen`: verify over raw bytes, answer pings, drop filtered and duplicate
 * messages, store the rest, and only then acknowledge.
 */
export function createReceiver(options: ReceiverOptions): Receiver {
  const { keys, keyWaitMs, filter, capture, publish, now, forward } = options;
  const stats: ReceiverStats = { received: 0, verified: 0, rejected: 0, duplicates: 0, filtered: 0, stored: 0 };
  // messageId key -> the store of its first arrival; a repeat waits for that store before answering.
  const seen = new Map<string, Promise<boolean>>();
  for (const key of capture?.knownMessageIds ?? []) seen.set(key, Promise.resolve(true));

  function reject(status: number, detail: string): ReceiverReply {
    stats.rejected += 1;
    publish({ type: 'rejected', at: now(), status, detail });
    return { status, body: { error: detail } };
  }

  async function handle(request: IncomingWebhook): Promise<ReceiverReply> {
    stats.received += 1;
    const key = keys.current() ?? (await keys.wait(keyWaitMs));
    if (key === undefined) {
      publish({
        type: 'warning',
        at: now(),
        message: 'Refused a request with 503: the webhook key is not known yet.',
        hint: 'Metriport counts it as failed; run `metriport-webhook retry` once listen is ready.',
      });
      stats.rejected += 1;
      return { status: 503 };
    }

    const verdict = verify({
      key,
      body: request.body,
      signature: singleHeader(request.headers[SIGNATURE_HEADER]),
      legacyKey: singleHeader(request.headers[LEGACY_KEY_HEADER]),
    });
    if (!verdict.ok) {
      stats.rejected += 1;
      publish({ type: 'verify-failed', at: now(), reason: verdict.reason, detail: describeVerifyFailure(verdict.reason) });
      return { status: 401 };
    }

    const parsed = parseDelivery(request.body);
    if (!parsed.ok) return reject(400, describeParseFailure(parsed.reason));
    const delivery = parsed.delivery;
    stats.verified += 1;

    if (delivery.type === 'ping') {
      if (delivery.ping === undefined) return reject(400, 'the ping message has no "ping" value');
      publish({ type: 'ping', at: now(), ping: delivery.ping, verifiedBy: verdict.verifiedBy });
      return { status: 200, body: { pong: delivery.ping } };
    }

    if (!filter(delivery.type)) {
      stats.filtered += 1;
      publish({ type: 'filtered', at: now(), messageType: delivery.type, messageId: delivery.messageId });
      return ACCEPTED;
    }

    const idKey = delivery.messageId === undefined ? undefined : messageIdKey(delivery.messageId);
    const earlier = idKey === undefined ? undefined : seen.get(idKey);
    if (earlier !== undefined && (await earlier)) {
      stats.duplicates += 1;
      publish({ type: 'duplicate', at: now(), messageType: delivery.type, messageId: delivery.messageId ?? '' });
      return forward === undefined ? ACCEPTED : forward({ raw: delivery.raw, headers: request.headers, type: delivery.type, messageId: delivery.messageId });
    }

    const receivedAt = now();
    const record = { receivedAt, type: delivery.type, messageId: delivery.messageId, verifiedBy: verdict.verifiedBy };
    const stored = capture === undefined ? Promise.resolve() : capture.store({ ...record, raw: delivery.raw });
    const outcome = stored.then(
      () => true,
      () => false,
    );
    if (idKey !== undefined) seen.set(idKey, outcome);
    try {
      await stored;
    } catch (error) {
      if (idKey !== undefined) seen.delete(idKey);
      publish({
        type: 'warning',
        at: now(),
        message: `Answered 500 and did not keep ${delivery.type} ${delivery.messageId ?? ''}: ${isMwError(error) ? error.message : String(error)}`,
        hint: isMwError(error) ? error.hint : undefined,
      });
      // Our failure, not the sender's: a 5xx makes Metriport count it as failed, so `retry` can resend it.
      return { status: 500 };
    }
    if (capture !== undefined) stats.stored += 1;
    publish({ type: 'message', message: { ...record, payload: delivery.payload, size: delivery.raw.length, raw: delivery.raw } });
    return forward === undefined ? ACCEPTED : forward({ raw: delivery.raw, headers: request.headers, type: delivery.type, messageId: delivery.messageId });
  }

  return {
    handle,
    noteRejected(status, detail) {
      stats.received += 1;
      reject(status, detail);
    },
    stats: () => ({ ...stats }),
  };
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
