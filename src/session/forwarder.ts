import { deliver } from '../webhook/deliver.js';
import type { ReceiverReply } from '../webhook/receiver.js';
import type { SessionEvent } from './events.js';

export interface ForwardConfig {
  /** `--forward-to`: the developer's own webhook handler. */
  url: string;
  /** `--header "Name: value"` extras, sent with Metriport's own headers. */
  headers: Record<string, string>;
  /** Budget from arrival to the app's answer, queueing included (default 4000 ms, under Metriport's 5 s). */
  timeoutMs: number;
  /** Most requests in flight to the app at once, so a burst cannot flood it. */
  concurrency: number;
  /** `--ack`: answer Metriport 200 whatever the app says. */
  ack: boolean;
}

export interface ForwardInput {
  raw: Buffer;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  type: string;
  messageId: string | undefined;
}

export type Forwarder = (input: ForwardInput) => Promise<ReceiverReply>;

/** Headers Metriport sends that the app needs to verify and route the request itself. */
const PASSED_HEADERS = ['content-type', 'user-agent', 'x-metriport-signature', 'x-webhook-key'];

/**
 * POSTs each verified message to the app with its exact bytes and Metriport's headers, and turns the app's
 * answer into ours, so a failing handler shows up in Metriport's failed count as it would in production.
 */
export function createForwarder(config: ForwardConfig, deps: { publish: (event: SessionEvent) => void; now: () => Date }): Forwarder {
  const limit = createLimit(config.concurrency);
  return async (input) => {
    const arrived = performance.now();
    const headers: Record<string, string> = {};
    for (const name of PASSED_HEADERS) {
      const value = input.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    Object.assign(headers, config.headers);
    const release = await limit.acquire(config.timeoutMs);
    const left = config.timeoutMs - (performance.now() - arrived);
    if (release === undefined || left <= 0) {
      release?.();
      deps.publish({ type: 'forward-failed', at: deps.now(), url: config.url, messageType: input.type, status: 504, detail: `still queued after ${config.timeoutMs} ms (--forward-concurrency ${config.concurrency})` });
      return { status: config.ack ? 200 : 504 };
    }
    try {
      const result = await deliver({ url: config.url, body: input.raw, headers, timeoutMs: Math.ceil(left) });
      if (result.status === undefined) {
        const timedOut = result.detail.startsWith('timeout');
        const status = timedOut ? 504 : 502;
        deps.publish({ type: 'forward-failed', at: deps.now(), url: config.url, messageType: input.type, status, detail: timedOut ? `no answer within ${config.timeoutMs} ms` : `unreachable (${result.detail})` });
        return { status: config.ack ? 200 : status };
      }
      deps.publish({ type: 'forwarded', at: deps.now(), url: config.url, messageType: input.type, status: result.status, durationMs: result.durationMs, body: result.responseText });
      return { status: config.ack ? 200 : result.status };
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
