import { setTimeout as delay } from 'node:timers/promises';
import { openCapture } from '../capture/store.js';
import { type ListenConfig, webhookUrlFor } from '../config/listen-config.js';
import { MwError, isMwError } from '../errors.js';
import { createEventFilter } from '../webhook/event-filter.js';
import { type KeyHolder, createKeyHolder } from '../webhook/key-holder.js';
import { createReceiver } from '../webhook/receiver.js';
import { startReceiverServer } from '../webhook/server.js';
import { assertRegistrable } from '../metriport/url-rules.js';
import type { Tunnel, TunnelOpener, TunnelState } from '../tunnel/tunnel.js';
import { createForwarder } from './forwarder.js';
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
  /** Opens the public tunnel (ngrok, or the user's own with `--public-url`); absent for local-only work. */
  openTunnel?: TunnelOpener;
}

/** How long a request waits for the webhook key while registration is still under way: under Metriport's 2 s ping timeout (CLI contract: up to 2 s), so the ping gets its pong or a 503 before Metriport gives up. */
export const KEY_WAIT_MS = 1500;

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
    const forward = config.forward === undefined ? undefined : createForwarder(config.forward, { publish, now });
    const receiver = createReceiver({ keys, keyWaitMs: KEY_WAIT_MS, filter: createEventFilter(config.events), capture, publish, now, forward });
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
    let tunnel: Tunnel | undefined;
    const lost = tunnelLoss();
    try {
      if (deps.openTunnel !== undefined) {
        publish({ type: 'progress', message: 'Opening the tunnel…' });
        tunnel = await deps.openTunnel({ localAddress: `${localHost(config.host)}:${server.port}`, onState: (state) => lost.report(state, tunnel?.url ?? '', deps) });
        publish({ type: 'tunnel-state', at: now(), state: 'connected', url: tunnel.url });
      }
      const publicUrl = tunnel === undefined ? undefined : webhookUrlFor(tunnel.url, config.path);
      if (config.registration !== undefined) {
        publish({ type: 'progress', message: 'Registering the webhook URL with Metriport…' });
        registration = await register(config, deps, { keys, webhookUrl: publicUrl ?? server.url });
      }
      publish({ type: 'ready', localUrl: server.url, outDir: config.outDir, jsonlFile: config.jsonlFile, publicUrl: publicUrl ?? registration?.record.registeredUrl });
      if (registration !== undefined) void checkHealthThenContinue(config, deps);
      await Promise.race([waitForAbort(signal), lost.promise]);
    } finally {
      await server.close();
      try {
        if (registration !== undefined) await restoreOnStop(config, deps, registration);
      } finally {
        await tunnel?.close();
      }
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
  local: { keys: KeyHolder; webhookUrl: string },
): Promise<RegistrationResult> {
  const { keys } = local;
  const registration = config.registration;
  if (registration === undefined || deps.registration === undefined) throw new Error('registration needs a Metriport client');
  assertRegistrable(local.webhookUrl, deps.registration.client.target);
  const result = await registerWebhookUrl(
    { webhookUrl: local.webhookUrl, force: registration.force },
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
  const warn = (what: string, error: unknown) => {
    if (!deps.signal.aborted) deps.publish({ type: 'warning', at: deps.now(), message: `${what}: ${isMwError(error) ? error.message : String(error)}` });
  };
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
  } catch (error) {
    warn("Could not read the webhook's health", error);
    if (deps.signal.aborted) return;
  }
  await deps.afterRegistration?.(deps.signal).catch((error: unknown) => warn('Could not finish the start-up work', error));
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

/** A tunnel that stays down ends the session with an error, after the usual restore. */
function tunnelLoss() {
  let fail: (error: MwError) => void = () => undefined;
  const promise = new Promise<never>((_resolve, reject) => {
    fail = reject;
  });
  promise.catch(() => undefined);
  return {
    promise,
    report(state: TunnelState, url: string, deps: ListenDependencies) {
      deps.publish({ type: 'tunnel-state', at: deps.now(), state, url });
      if (state === 'lost') {
        fail(
          new MwError(`The tunnel ${url} was lost and did not come back.`, {
            code: 'TUNNEL_LOST',
            category: 'network',
            hint: 'Check your network, then start listen again; failed deliveries can be resent with `metriport-webhook retry`.',
          }),
        );
      }
    },
  };
}

/** The address a tunnel should dial: a wildcard bind is still reachable on loopback. */
function localHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function waitForAbort(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
