import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ListenConfig, resolveListenConfig } from '../../src/config/listen-config.js';
import type { ReceiverStats, SessionEvent } from '../../src/session/events.js';
import { type ListenDependencies, runListenSession } from '../../src/session/listen-session.js';
import { TEST_KEY } from './webhooks.js';

export interface TestSession {
  url: string;
  events: SessionEvent[];
  eventsOf<T extends SessionEvent['type']>(type: T): Array<Extract<SessionEvent, { type: T }>>;
  /** Resolves once an event of this type has been published `count` times in all. */
  waitFor(type: SessionEvent['type'], count?: number): Promise<void>;
  stop(): Promise<ReceiverStats>;
  /** The session's own end (a tunnel loss ends it without stop()). */
  done: Promise<ReceiverStats>;
}

/** Runs the real listen engine on 127.0.0.1:0 with a recording sink. */
export async function startTestSession(
  overrides: Partial<ListenConfig> = {},
  extraDeps: Partial<Omit<ListenDependencies, 'publish' | 'signal' | 'now'>> = {},
): Promise<TestSession> {
  const config = { ...resolveListenConfig({ tunnel: false, webhookKey: TEST_KEY, port: '0' }, {}, {}), ...overrides };
  const events: SessionEvent[] = [];
  const waiters = new Set<() => boolean>();
  const controller = new AbortController();
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
  const done = runListenSession(config, {
    publish: (event) => {
      events.push(event);
      for (const check of waiters) if (check()) waiters.delete(check);
    },
    signal: controller.signal,
    now: () => new Date(),
    ...extraDeps,
  });
  done.catch(() => undefined);
  await Promise.race([waitFor('ready'), done]);
  const ready = events.find((event) => event.type === 'ready');
  if (ready?.type !== 'ready') throw new Error('session did not become ready');
  return {
    url: ready.localUrl,
    events,
    eventsOf: (type) => events.filter((event) => event.type === type) as never,
    waitFor,
    stop: () => {
      controller.abort();
      return done;
    },
    done,
  };
}

export async function tempDir(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'mw-test-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
