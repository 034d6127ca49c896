import { setTimeout as delay } from 'node:timers/promises';
import type { Registrar } from '../account/registrar.js';
import { openCapture } from '../capture/capture.js';
import { messageIdKey } from '../capture/file-names.js';
import type { CaptureConfig, ForwardConfig, ReceiverConfig } from '../config/listen/listen-config.js';
import { webhookUrlFor } from '../config/listen/resolve-tunnel.js';
import type { Sourced } from '../config/sources.js';
import { MwError } from '../errors.js';
import { assertRegistrable } from '../metriport/url-rules.js';
import { createKeyHolder, type KeyHolder } from '../receiver/key-holder.js';
import { createReceiver } from '../receiver/receiver.js';
import { startReceiverServer } from '../receiver/receiver-server.js';
import type { RegistrationRecord } from '../state/registration-record.js';
import type { Tunnel, TunnelOpener, TunnelState } from '../tunnel/tunnel.js';
import { createEventFilter } from '../webhook/event-filter.js';
import type { ReceiverStats, SessionEvent } from './events.js';
import { createForwarder } from './forwarder.js';

export interface ListenSessionOptions {
  receiver: ReceiverConfig;
  capture: CaptureConfig;
  forward: ForwardConfig | undefined;
}

/**
 * How requests are verified: with a key given to `listen`, or with the account's key, which the registrar
 * learns while registering the URL.
 */
export type Verification =
  | { kind: 'key'; webhookKey: string }
  | {
      kind: 'registered';
      registrar: Registrar;
      /** A key the user also gave: only compared with the account's, to warn when they differ. */
      configuredKey: Sourced<string> | undefined;
      /** Metriport's verdict is read this long after our pong, or after registering when no ping came. */
      health: { afterPingMs: number; fallbackMs: number };
    };

export interface ListenDependencies {
  verification: Verification;
  /** Opens the public tunnel (ngrok, or the user's own with `--public-url`); absent for local-only work. */
  openTunnel?: TunnelOpener | undefined;
  publish: (event: SessionEvent) => void;
  /** Told the webhook key once it is known (the inspector re-signs replays with it). */
  onWebhookKey?: ((key: string) => void) | undefined;
  /** Aborting it stops the session gracefully: in-flight requests finish, captures are flushed, the URL is restored. */
  signal: AbortSignal;
  now: () => Date;
}

/** How long a request waits for the webhook key while registration is still under way: under Metriport's 2 s ping timeout (CLI contract: up to 2 s), so the ping gets its pong or a 503 before Metriport gives up. */
export const KEY_WAIT_MS = 1500;

/**
 * `listen` from start to graceful stop: serve, open the tunnel, register its URL, report ready, read the
 * webhook's health once Metriport has pinged, wait for the signal, then drain, restore the URL and close.
 * Resolves with the counters.
 */
export async function runListenSession(options: ListenSessionOptions, deps: ListenDependencies): Promise<ReceiverStats> {
  const { verification, now, signal } = deps;
  const pinged = firstPing();
  let reportingOutputFailure = false;
  const publish = (event: SessionEvent) => {
    if (event.type === 'ping') pinged.seen();
    // Showing a message must never fail its request: an output that throws is reported, not propagated.
    try {
      deps.publish(event);
    } catch (error) {
      if (reportingOutputFailure) return;
      reportingOutputFailure = true;
      try {
        deps.publish({ type: 'internal-error', at: now(), error: error instanceof Error ? error : new Error(String(error)) });
      } catch {
        // Nothing more can be said.
      } finally {
        reportingOutputFailure = false;
      }
    }
  };
  const keys = createKeyHolder(verification.kind === 'key' ? verification.webhookKey : undefined);
  keys.onSet(deps.onWebhookKey);
  const capture = await openCapture(options.capture);
  try {
    const receiver = createReceiver({
      keys,
      keyWaitMs: KEY_WAIT_MS,
      filter: createEventFilter(options.receiver.events),
      store: capture === undefined ? undefined : (message) => capture.store(message),
      knownMessageIds: capture?.knownMessageIds,
      messageIdKey,
      forward: options.forward === undefined ? undefined : createForwarder(options.forward),
      publish,
      now,
    });
    const server = await startReceiverServer({
      ...options.receiver,
      receiver,
      onInternalError: (error) => publish({ type: 'internal-error', at: now(), error }),
    });
    let tunnel: Tunnel | undefined;
    let registration: RegistrationRecord | undefined;
    let health: Promise<void> | undefined;
    // Ends the health wait however the session ends: by the signal, or by a lost tunnel.
    const ending = new AbortController();
    const lost = tunnelLoss(publish, now);
    try {
      if (deps.openTunnel !== undefined) {
        if (!deps.openTunnel.instant) publish({ type: 'progress', step: 'tunnel' });
        const opening = deps.openTunnel({
          localAddress: `${dialableHost(options.receiver.host)}:${server.port}`,
          onState: (state) => lost.report(state, tunnel?.url ?? ''),
        });
        // A stop while the tunnel opens (ngrok may take 20 s) does not wait for it; it is closed once it opens.
        tunnel = await untilStopped(opening, signal);
        if (tunnel === undefined)
          void opening.then(
            (late) => late.close(),
            () => undefined,
          );
        else publish({ type: 'tunnel-state', at: now(), state: 'connected', url: tunnel.url });
      }
      const publicUrl = tunnel === undefined ? undefined : webhookUrlFor(tunnel.url, options.receiver.path);
      if (verification.kind === 'registered' && !signal.aborted) {
        publish({ type: 'progress', step: 'registration' });
        try {
          registration = await register({ verification, keys, webhookUrl: publicUrl ?? server.url, publish, now, signal });
        } catch (error) {
          // Stopped before the account changed: nothing to undo, nothing to report.
          if (!signal.aborted) throw error;
        }
        if (registration !== undefined) {
          health = readHealthAfterPing({
            verification,
            pinged: pinged.promise,
            publish,
            now,
            signal: AbortSignal.any([signal, ending.signal]),
          });
        }
      }
      // Stopped while the tunnel opened or the URL was registered: never claim to be ready.
      if (!signal.aborted) {
        publish({
          type: 'ready',
          localUrl: server.url,
          outDir: options.capture.outDir,
          jsonlFile: options.capture.jsonlFile,
          publicUrl: publicUrl ?? registration?.registeredUrl,
        });
      }
      await Promise.race([waitForAbort(signal), lost.promise]);
    } finally {
      ending.abort();
      await server.close();
      await health;
      try {
        if (registration !== undefined && verification.kind === 'registered') await verification.registrar.restore(registration);
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

async function register(input: {
  verification: Extract<Verification, { kind: 'registered' }>;
  keys: KeyHolder;
  webhookUrl: string;
  publish: (event: SessionEvent) => void;
  now: () => Date;
  signal: AbortSignal;
}): Promise<RegistrationRecord> {
  const { verification, keys } = input;
  assertRegistrable(input.webhookUrl, verification.registrar.target);
  return verification.registrar.register({
    webhookUrl: input.webhookUrl,
    signal: input.signal,
    onWebhookKey: (key) => {
      const configured = verification.configuredKey;
      if (configured !== undefined && configured.value !== key && keys.current() === undefined) {
        input.publish({ type: 'key-differs', at: input.now(), origin: configured.origin });
      }
      keys.set(key);
    },
  });
}

/**
 * Metriport pings the URL right after it changes and records the verdict when our pong arrives: read it
 * shortly after the ping, or after the fallback wait when no ping came (then it says why).
 */
async function readHealthAfterPing(input: {
  verification: Extract<Verification, { kind: 'registered' }>;
  pinged: Promise<void>;
  publish: (event: SessionEvent) => void;
  now: () => Date;
  signal: AbortSignal;
}): Promise<void> {
  const { afterPingMs, fallbackMs } = input.verification.health;
  const options = { signal: input.signal };
  try {
    await Promise.race([input.pinged.then(() => delay(afterPingMs, undefined, options)), delay(fallbackMs, undefined, options)]);
    const status = await input.verification.registrar.readHealth();
    if (status === null || input.signal.aborted) return;
    input.publish({
      type: 'webhook-health',
      at: input.now(),
      enabled: status.webhookEnabled,
      detail: status.webhookStatusDetail,
      processing: status.webhookRequestsProcessing,
      failed: status.webhookRequestsFailed,
    });
  } catch (error) {
    if (!input.signal.aborted)
      input.publish({ type: 'health-unreadable', at: input.now(), error: error instanceof Error ? error : new Error(String(error)) });
  }
}

function firstPing(): { promise: Promise<void>; seen(): void } {
  let seen: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    seen = resolve;
  });
  return { promise, seen: () => seen() };
}

/** A tunnel that stays down ends the session with an error, after the usual restore. */
function tunnelLoss(publish: (event: SessionEvent) => void, now: () => Date) {
  let fail: (error: MwError) => void = () => undefined;
  const promise = new Promise<never>((_resolve, reject) => {
    fail = reject;
  });
  promise.catch(() => undefined);
  return {
    promise,
    report(state: TunnelState, url: string) {
      publish({ type: 'tunnel-state', at: now(), state, url });
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
function dialableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** The value, or `undefined` if the signal comes first. */
async function untilStopped<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  const stopped = waitForAbort(signal).then(() => undefined);
  return Promise.race([promise, stopped]);
}

function waitForAbort(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
