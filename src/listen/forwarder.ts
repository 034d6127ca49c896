import type { ForwardConfig } from '../config/listen/listen-config.js';
import type { ForwardOutcome, ReceiverReply } from '../receiver/receiver.js';
import { postBytes } from '../webhook/deliver.js';
import type { ReceivedMessage } from '../webhook/message.js';

export type Forwarder = (message: ReceivedMessage) => Promise<{ reply: ReceiverReply; outcome: ForwardOutcome }>;

/** Headers Metriport sends that the app needs to verify and route the request itself. */
const PASSED_HEADERS = ['content-type', 'user-agent', 'x-metriport-signature', 'x-webhook-key'];
/** The app's answer body kept for `--verbose`; the rest is read and dropped. */
const MAX_APP_BODY_BYTES = 64 * 1024;

/**
 * POSTs each verified message to the app with its exact bytes and Metriport's headers, and turns the app's
 * answer into ours, so a failing handler shows up in Metriport's failed count as it would in production.
 */
export function createForwarder(config: ForwardConfig): Forwarder {
  const limit = createLimit(config.concurrency);
  const failed = (input: { status: 502 | 504; reason: 'queued' | 'timeout' | 'unreachable'; detail: string }) => ({
    reply: { status: config.ack ? 200 : input.status },
    outcome: { kind: 'failed' as const, url: config.url, timeoutMs: config.timeoutMs, ...input },
  });
  return async (message) => {
    const arrived = performance.now();
    const headers: Record<string, string> = {};
    for (const name of PASSED_HEADERS) {
      const value = message.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    Object.assign(headers, config.headers);
    const release = await limit.acquire(config.timeoutMs);
    const left = config.timeoutMs - (performance.now() - arrived);
    if (release === undefined || left <= 0) {
      release?.();
      return failed({ status: 504, reason: 'queued', detail: `--forward-concurrency ${config.concurrency}` });
    }
    try {
      const result = await postBytes({
        url: config.url,
        body: message.raw,
        headers,
        timeoutMs: Math.ceil(left),
        maxResponseBytes: MAX_APP_BODY_BYTES,
      });
      if (result.status === undefined) {
        const timedOut = result.detail.startsWith('timeout');
        return failed({ status: timedOut ? 504 : 502, reason: timedOut ? 'timeout' : 'unreachable', detail: result.detail });
      }
      // Metriport only knows 2xx (success) from anything else; a status outside HTTP's range becomes a 502.
      const status = result.status >= 200 && result.status <= 599 ? result.status : 502;
      return {
        reply: { status: config.ack ? 200 : status },
        outcome: {
          kind: 'answered' as const,
          url: config.url,
          status: result.status,
          durationMs: result.durationMs,
          body: result.responseText,
        },
      };
    } finally {
      release();
    }
  };
}

/** A counting semaphore whose waits give up after `timeoutMs` (then `acquire` resolves `undefined`). */
function createLimit(max: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    active -= 1;
    const next = waiting.shift();
    if (next !== undefined) next();
  };
  return {
    acquire(timeoutMs: number): Promise<(() => void) | undefined> {
      if (active < max) {
        active += 1;
        return Promise.resolve(release);
      }
      return new Promise((resolve) => {
        const grant = () => {
          clearTimeout(timer);
          active += 1;
          resolve(release);
        };
        const timer = setTimeout(() => {
          const index = waiting.indexOf(grant);
          if (index >= 0) waiting.splice(index, 1);
          resolve(undefined);
        }, timeoutMs);
        waiting.push(grant);
      });
    },
  };
}
