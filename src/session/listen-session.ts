import { setTimeout as delay } from 'node:timers/promises';
import { openCapture } from '../capture/store.js';
import { type ListenConfig, webhookUrlFor } from '../config/listen-config.js';
import { MwError, isMwError } from '../errors.js';
import { createEventFilter } from '../webhook/event-filter.js';
import { type KeyHolder, createKeyHolder } from '../webhook/key-holder.js';
import { createReceiver } from '../webhook/receiver.js';
import { startReceiverServer } from '../webhook/server.js';
import type { ReceiverStats, SessionEvent } from './events.js';
import { type RegistrationDependencies, type RegistrationResult, registerWebhookUrl } from './registration.js';
import { describeRestore, restoreRegistration } from './restore.js';

export interface ListenDependencies {
  publish: (event: SessionEvent) => void;
  /** Aborting it stops the session gracefully: in-flight requests finish, captures are flushed, the URL is restored. */
  signal: AbortSignal;
  now: () => Date;
  /** Needed when the config asks to register the URL with Metriport. */
  registration?: Omit<RegistrationDependencies, 'publish' | 'now' | 'onWebhookKey'>;
  /** Runs once the URL is registered and its health was read (used by `--emulator` to send samples). */
  afterRegistration?: (signal: AbortSignal) => Promise<void>;
}

/** How long a request waits for the webhook key while registration is still under way (CLI contract: 2 s). */
export const KEY_WAIT_MS = 2000;

/**
 * Runs `listen` from start to graceful stop: open captures, start the receiver, register the public URL,
 * report ready, wait for the signal, drain, restore the URL, close. Resolves with the counters.
 */
export async function runListenSession(config: ListenConfig, deps: ListenDependencies): Promise<ReceiverStats> {
  const { publish, signal, now } = deps;
  for (const message of config.warnings) publish({ type: 'warning', at: now(), message });

  const keys = createKeyHolder(config.registration === undefined ? config.webhookKey?.value : undefined);
  const capture = await openCapture({ outDir: config.outDir, jsonlFile: config.jsonlFile });
  try {
    const receiver = createReceiver({ keys, keyWaitMs: KEY_WAIT_MS, filter: createEventFilter(config.events), capture, publish, now });
    const server = await startReceiverServer({
      host: config.host,
      port: config.port,
      path: config.path,
      maxBodyBytes: config.maxBodyBytes,
      maxBodyFlag: '--max-body',
      receiver,
      onInternalError: (error) => publish({ type: 'warning', at: now(), message: `Answered 500 after an internal error: ${error.message}` }),
    });
    let registration: RegistrationResult | undefined;
    try {
      if (config.registration !== undefined) {
        registration = await register(config, deps, { keys, localUrl: server.url });
      }
      publish({ type: 'ready', localUrl: server.url, outDir: config.outDir, jsonlFile: config.jsonlFile, publicUrl: registration?.record.registeredUrl });
      if (registration !== undefined) void checkHealthThenContinue(config, deps);
      await waitForAbort(signal);
    } finally {
      await server.close();
      if (registration !== undefined) await restoreOnStop(config, deps, registration);
    }
    const stats = receiver.stats();
    publish({ type: 'stopped', stats });
    return stats;
  } finally {
    await capture?.close();
  }
}

async function register(
  config: ListenConfig,
  deps: ListenDependencies,
  local: { keys: KeyHolder; localUrl: string },
): Promise<RegistrationResult> {
  const { keys } = local;
  const registration = config.registration;
  if (registration === undefined || deps.registration === undefined) throw new Error('registration needs a Metriport client');
  const result = await registerWebhookUrl(
    {
      webhookUrl: registration.publicUrl === undefined ? local.localUrl : webhookUrlFor(registration.publicUrl, config.path),
      force: registration.force,
    },
    {
      ...deps.registration,
      publish: deps.publish,
      now: deps.now,
      onWebhookKey: (key) => {
        if (config.webhookKey !== undefined && config.webhookKey.value !== key && keys.current() === undefined) {
          deps.publish({ type: 'warning', at: deps.now(), message: `${config.webhookKey.origin} differs from the account's webhook key; using the account's.` });
        }
        keys.set(key);
      },
    },
  );
  if (keys.current() === undefined) {
    throw new MwError('Metriport registered the URL but returned no webhook key.', {
      code: 'NO_WEBHOOK_KEY_FROM_API',
      category: 'api',
      hint: 'Check the account in the dashboard, then run listen again.',
    });
  }
  return result;
}

/** Metriport pings the URL right after it changes; its verdict shows in GET /settings/webhook shortly after. */
async function checkHealthThenContinue(config: ListenConfig, deps: ListenDependencies): Promise<void> {
  const client = deps.registration?.client;
  if (client === undefined) return;
  try {
    await delay(config.registration?.healthCheckDelayMs ?? 3000, undefined, { signal: deps.signal });
    const status = await client.getWebhookStatus();
    if (status !== null) {
      deps.publish({
        type: 'webhook-health',
        at: deps.now(),
        enabled: status.webhookEnabled,
        detail: status.webhookStatusDetail,
        processing: status.webhookRequestsProcessing,
        failed: status.webhookRequestsFailed,
      });
    }
    await deps.afterRegistration?.(deps.signal);
  } catch (error) {
    if (deps.signal.aborted) return;
    deps.publish({ type: 'warning', at: deps.now(), message: `Could not read the webhook's health: ${isMwError(error) ? error.message : String(error)}` });
  }
}

async function restoreOnStop(config: ListenConfig, deps: ListenDependencies, registration: RegistrationResult): Promise<void> {
  const client = deps.registration?.client;
  const store = deps.registration?.store;
  if (client === undefined || store === undefined) return;
  if (config.registration?.keepUrl) {
    await store.remove();
    deps.publish({ type: 'restored', at: deps.now(), message: `Kept ${registration.record.registeredUrl} registered (--keep-url).`, changed: false });
    return;
  }
  try {
    const outcome = await restoreRegistration({ client, store, record: registration.record });
    deps.publish({ type: 'restored', at: deps.now(), message: describeRestore(outcome), changed: outcome.plan.action === 'restore' });
  } catch (error) {
    throw new MwError(`Could not restore the webhook URL${registration.record.previousUrl ? ` to ${registration.record.previousUrl}` : ''}: ${isMwError(error) ? error.message : String(error)}`, {
      code: 'RESTORE_FAILED',
      category: isMwError(error) ? error.category : 'internal',
      hint: 'Run `metriport-webhook restore` once the API is reachable; the record to restore from is kept.',
      cause: error,
    });
  }
}

function waitForAbort(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
