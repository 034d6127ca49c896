import { setTimeout as delay } from 'node:timers/promises';
import type { Registrar } from '../account/registrar.js';
import { openCapture } from '../capture/capture.js';
import { messageIdKey } from '../capture/file-names.js';
import type { CaptureConfig, ForwardConfig, ReceiverConfig } from '../config/listen/listen-config.js';
import { webhookUrlFor } from '../config/listen/resolve-tunnel.js';
import type { Sourced } from '../config/sources.js';
import { MwError } from '../errors.js';
import { MESSAGE_TIMEOUT_MS } from '../metriport/types.js';
import { assertRegistrable } from '../metriport/url-rules.js';
import { NEXT } from '../next-command.js';
import { createKeyHolder, type KeyHolder } from '../receiver/key-holder.js';
import { createReceiver } from '../receiver/receiver.js';
import { type ReceiverServer, startReceiverServer } from '../receiver/receiver-server.js';
import type { RegistrationRecord } from '../state/registration-record.js';
import type { Tunnel, TunnelOpener, TunnelState } from '../tunnel/tunnel.js';
import { untilAborted } from '../util/abort.js';
import { type PostResult, sendSigned } from '../webhook/deliver.js';
import { createEventFilter } from '../webhook/event-filter.js';
import type { ReceiverStats, SessionEvent } from './events.js';
import { createForwarder } from './forwarder.js';

export interface ListenSessionOptions {
  receiver: ReceiverConfig;
  capture: CaptureConfig;
  forward: ForwardConfig | undefined;
}

/** When Metriport's verdict on its ping is read: this long after our pong, or this long after registering when no ping came. */
export interface HealthTiming {
  afterPingMs: number;
  fallbackMs: number;
}

/**
 * What the session does with the account: nothing (it verifies with a key it is given), or register its URL and
 * verify with the account's key, which the registrar learns while registering.
 */
export type AccountLink =
  | { kind: 'none'; webhookKey: string }
  | {
      kind: 'registered';
      registrar: Registrar;
      /** A key the user also gave: only compared with the account's, to warn when they differ. */
      configuredKey: Sourced<string> | undefined;
      health: HealthTiming;
    };

export interface ListenDependencies {
  account: AccountLink;
  /** Opens the public tunnel (ngrok, or the user's own with `--public-url`); absent for local-only work. */
  openTunnel?: TunnelOpener | undefined;
  publish: (event: SessionEvent) => void;
  /** Aborting it stops the session as `stop()` does. */
  signal?: AbortSignal | undefined;
  now: () => Date;
}

/** A `listen` session: its receiver runs from `openListenSession`, Metriport can reach it from `connect()`. */
export interface ListenSession {
  /** The receiver's webhook URL on this machine. */
  readonly localUrl: string;
  /** The URL Metriport delivers to (the tunnel's, or the one registered); absent until connected, or when nothing is public. */
  readonly publicUrl: string | undefined;
  /** The key requests are verified with; unknown only until registration has read it from the account. */
  webhookKey(): string | undefined;
  /** POSTs `body` to this listener, signed with its key, as a retry of Metriport's would arrive. */
  replay(body: Buffer): Promise<PostResult>;
  /**
   * Opens the tunnel and registers its URL, then reports `ready`. A stop meanwhile ends it without ever being
   * ready; a failure stops the session (the account is put back) and is thrown.
   */
  connect(): Promise<void>;
  /** Aborted once the session stops: `stop()`, the signal, or the tunnel lost for good. */
  readonly stopping: AbortSignal;
  /** Settles once the session is over (URL restored, captures closed): the counters, or why it ended badly. */
  readonly ended: Promise<ReceiverStats>;
  /** Stops gracefully: in-flight requests finish, captures are flushed, the URL is restored. Settles as `ended`. */
  stop(): Promise<ReceiverStats>;
}

/** How long a request waits for the webhook key while registration is still under way: under Metriport's 2 s ping timeout (CLI contract: up to 2 s), so the ping gets its pong or a 503 before Metriport gives up. */
export const KEY_WAIT_MS = 1500;

/**
 * Opens the captures and starts the receiver (nothing public yet, the account untouched), and hands back the
 * session. `connect()` then opens the tunnel and registers. Stopping drains, restores the URL, closes the
 * tunnel and the captures; Metriport's verdict on its ping is read in the background meanwhile.
 */
export async function openListenSession(options: ListenSessionOptions, deps: ListenDependencies): Promise<ListenSession> {
  const { account, now } = deps;
  const stopping = new AbortController();
  const signal = stopping.signal;
  if (deps.signal?.aborted) stopping.abort();
  else deps.signal?.addEventListener('abort', () => stopping.abort(), { once: true });
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
  const keys = createKeyHolder(account.kind === 'none' ? account.webhookKey : undefined);
  const capture = await openCapture(options.capture);
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
  let server: ReceiverServer;
  try {
    server = await startReceiverServer({
      ...options.receiver,
      receiver,
      onInternalError: (error) => publish({ type: 'internal-error', at: now(), error }),
    });
  } catch (error) {
    await capture?.close();
    throw error;
  }

  let tunnel: Tunnel | undefined;
  let registration: RegistrationRecord | undefined;
  let health: Promise<void> | undefined;
  let publicUrl: string | undefined;
  const lost = tunnelLoss(publish, now);

  // Everything the stop waits on is given up by it (the health read included), so the URL is put back as soon
  // as the requests in flight are answered.
  let over: Promise<ReceiverStats> | undefined;
  const shutdown = (): Promise<ReceiverStats> => {
    over ??= (async () => {
      stopping.abort();
      try {
        await server.close();
        await health;
        try {
          if (registration !== undefined && account.kind === 'registered') await account.registrar.restore(registration);
        } finally {
          await tunnel?.close();
        }
      } finally {
        await capture?.close();
      }
      const stats = receiver.stats();
      publish({ type: 'stopped', stats });
      return stats;
    })();
    return over;
  };
  let failure: unknown;
  const ended = Promise.race([untilAborted(signal), lost.promise]).then(
    async () => {
      const stats = await shutdown();
      if (failure !== undefined) throw failure;
      return stats;
    },
    async (error: unknown) => {
      await shutdown();
      throw error;
    },
  );
  ended.catch(() => undefined);

  const connect = async () => {
    if (signal.aborted) return;
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
      publicUrl = tunnel === undefined ? undefined : webhookUrlFor(tunnel.url, options.receiver.path);
      if (account.kind === 'registered' && !signal.aborted) {
        publish({ type: 'progress', step: 'registration' });
        try {
          registration = await register({ account, keys, webhookUrl: publicUrl ?? server.url, publish, now, signal });
        } catch (error) {
          // Stopped before the account changed: nothing to undo, nothing to report.
          if (!signal.aborted) throw error;
        }
        if (registration !== undefined) {
          publicUrl ??= registration.registeredUrl;
          health = readHealthAfterPing({ account, pinged: pinged.promise, publish, now, signal });
        }
      }
    } catch (error) {
      failure = error;
      stopping.abort();
      await ended.catch(() => undefined);
      throw error;
    }
    // Stopped while the tunnel opened or the URL was registered: never claim to be ready.
    if (!signal.aborted) {
      publish({ type: 'ready', localUrl: server.url, outDir: options.capture.outDir, jsonlFile: options.capture.jsonlFile, publicUrl });
    }
  };

  const localUrl = server.url;
  return {
    localUrl,
    get publicUrl() {
      return publicUrl;
    },
    webhookKey: () => keys.current(),
    replay: async (body) => {
      const webhookKey = keys.current();
      if (webhookKey === undefined)
        return { ok: false, status: undefined, responseText: '', durationMs: 0, detail: 'the webhook key is not known yet' };
      return sendSigned({ url: localUrl, body, webhookKey, timeoutMs: MESSAGE_TIMEOUT_MS });
    },
    connect,
    stopping: signal,
    ended,
    stop: () => {
      stopping.abort();
      return ended;
    },
  };
}

async function register(input: {
  account: Extract<AccountLink, { kind: 'registered' }>;
  keys: KeyHolder;
  webhookUrl: string;
  publish: (event: SessionEvent) => void;
  now: () => Date;
  signal: AbortSignal;
}): Promise<RegistrationRecord> {
  const { account, keys } = input;
  assertRegistrable(input.webhookUrl, account.registrar.target);
  return account.registrar.register({
    webhookUrl: input.webhookUrl,
    signal: input.signal,
    onWebhookKey: (key) => {
      const configured = account.configuredKey;
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
  account: Extract<AccountLink, { kind: 'registered' }>;
  pinged: Promise<void>;
  publish: (event: SessionEvent) => void;
  now: () => Date;
  signal: AbortSignal;
}): Promise<void> {
  const { afterPingMs, fallbackMs } = input.account.health;
  const options = { signal: input.signal };
  try {
    await Promise.race([input.pinged.then(() => delay(afterPingMs, undefined, options)), delay(fallbackMs, undefined, options)]);
    const status = await input.account.registrar.readHealth({ signal: input.signal });
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
            hint: `Check your network, then start listen again; failed deliveries can be resent with ${NEXT}.`,
            next: { command: 'retry', sameApi: true },
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
  const stopped = untilAborted(signal).then(() => undefined);
  return Promise.race([promise, stopped]);
}
