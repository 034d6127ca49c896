import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistrar, type RegistrarDependencies } from '../../src/account/registrar.js';
import type { ForwardConfig } from '../../src/config/listen/listen-config.js';
import type { SessionEvent } from '../../src/listen/events.js';
import { type AccountLink, type ListenDependencies, type ListenSession, openListenSession } from '../../src/listen/listen-session.js';
import type { MetriportClient } from '../../src/metriport/client.js';
import { memoryStateStore, type StateStore } from '../../src/state/state-store.js';
import type { TunnelOpener } from '../../src/tunnel/tunnel.js';
import { TEST_KEY } from './webhooks.js';

export interface TestSession {
  url: string;
  events: SessionEvent[];
  eventsOf<T extends SessionEvent['type']>(type: T): Array<Extract<SessionEvent, { type: T }>>;
  /** Resolves once an event of this type has been published `count` times in all. */
  waitFor(type: SessionEvent['type'], count?: number): Promise<void>;
  /** The session's handle: `stop()`, `ended` (a tunnel loss ends it without stop()), `replay()`, `webhookKey()`. */
  session: ListenSession;
}

export interface TestSessionOptions {
  outDir?: string;
  jsonlFile?: string;
  maxBodyBytes?: number;
  events?: string[];
  forward?: ForwardConfig;
}

export interface TestSessionDeps {
  /** What the session does with the account; a function gets the session's publish (a registrar reports through it). Default: nothing, verifying with TEST_KEY. */
  account?: AccountLink | ((publish: (event: SessionEvent) => void) => AccountLink);
  openTunnel?: TunnelOpener;
}

/** Runs the real listen engine on 127.0.0.1:0 with a recording sink. */
export async function startTestSession(options: TestSessionOptions = {}, deps: TestSessionDeps = {}): Promise<TestSession> {
  const events: SessionEvent[] = [];
  const waiters = new Set<() => boolean>();
  const count = (type: SessionEvent['type']) => events.filter((event) => event.type === type).length;
  const waitFor = (type: SessionEvent['type'], times = 1) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (count(type) < times) return false;
        resolve();
        return true;
      };
      if (!check()) waiters.add(check);
    });
  const publish = (event: SessionEvent) => {
    events.push(event);
    for (const check of waiters) if (check()) waiters.delete(check);
  };
  const account = typeof deps.account === 'function' ? deps.account(publish) : (deps.account ?? { kind: 'none', webhookKey: TEST_KEY });
  const sessionDeps: ListenDependencies = { account, openTunnel: deps.openTunnel, publish, now: () => new Date() };
  const session = await openListenSession(
    {
      receiver: {
        host: '127.0.0.1',
        port: 0,
        path: '/webhook',
        maxBodyBytes: options.maxBodyBytes ?? 64 * 1024 * 1024,
        events: options.events ?? [],
      },
      capture: { outDir: options.outDir, jsonlFile: options.jsonlFile },
      forward: options.forward,
    },
    sessionDeps,
  );
  await session.connect();
  const ready = events.find((event) => event.type === 'ready');
  if (ready?.type !== 'ready') throw new Error('session did not become ready');
  return { url: ready.localUrl, events, eventsOf: (type) => events.filter((event) => event.type === type) as never, waitFor, session };
}

/** A registrar for the session, as `listen` builds one: for a test against a (real, local) emulator's API. */
export function registeredWith(input: {
  client: MetriportClient;
  store?: StateStore;
  keepUrl?: boolean;
  force?: boolean;
  confirm?: RegistrarDependencies['confirm'];
  pid?: number;
  isProcessAlive?: (pid: number) => boolean;
  health?: { afterPingMs: number; fallbackMs: number };
}): (publish: (event: SessionEvent) => void) => AccountLink {
  return (publish) => ({
    kind: 'registered',
    registrar: createRegistrar(
      { keepUrl: input.keepUrl ?? false, force: input.force ?? false },
      {
        client: input.client,
        store: input.store ?? memoryStateStore(),
        pid: input.pid ?? process.pid,
        isProcessAlive: input.isProcessAlive ?? (() => false),
        confirm: input.confirm,
        publish,
        now: () => new Date(),
      },
    ),
    configuredKey: undefined,
    health: input.health ?? { afterPingMs: 10_000, fallbackMs: 10_000 },
  });
}

export async function tempDir(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'mw-test-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
