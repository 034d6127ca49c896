import { openCapture } from '../capture/store.js';
import type { ListenConfig } from '../config/listen-config.js';
import { createEventFilter } from '../webhook/event-filter.js';
import { createKeyHolder } from '../webhook/key-holder.js';
import { createReceiver } from '../webhook/receiver.js';
import { startReceiverServer } from '../webhook/server.js';
import type { ReceiverStats, SessionEvent } from './events.js';

export interface ListenDependencies {
  publish: (event: SessionEvent) => void;
  /** Aborting it stops the session gracefully: in-flight requests finish, captures are flushed. */
  signal: AbortSignal;
  now: () => Date;
}

/** How long a request waits for the webhook key while registration is still under way (CLI contract: 2 s). */
export const KEY_WAIT_MS = 2000;

/**
 * Runs `listen` from start to graceful stop: open captures, start the receiver, report ready, wait for the
 * signal, drain, close. Resolves with the counters.
 */
export async function runListenSession(config: ListenConfig, deps: ListenDependencies): Promise<ReceiverStats> {
  const { publish, signal, now } = deps;
  for (const message of config.warnings) publish({ type: 'warning', at: now(), message });

  const capture = await openCapture({ outDir: config.outDir, jsonlFile: config.jsonlFile });
  try {
    const receiver = createReceiver({
      keys: createKeyHolder(config.webhookKey?.value),
      keyWaitMs: KEY_WAIT_MS,
      filter: createEventFilter(config.events),
      capture,
      publish,
      now,
    });
    const server = await startReceiverServer({
      host: config.host,
      port: config.port,
      path: config.path,
      maxBodyBytes: config.maxBodyBytes,
      maxBodyFlag: '--max-body',
      receiver,
      onInternalError: (error) => publish({ type: 'warning', at: now(), message: `Answered 500 after an internal error: ${error.message}` }),
    });
    try {
      publish({ type: 'ready', localUrl: server.url, outDir: config.outDir, jsonlFile: config.jsonlFile });
      await waitForAbort(signal);
    } finally {
      await server.close();
    }
    const stats = receiver.stats();
    publish({ type: 'stopped', stats });
    return stats;
  } finally {
    await capture?.close();
  }
}

function waitForAbort(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
