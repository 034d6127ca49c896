import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { type LocalTunnel, startLocalTunnel } from './servers.js';
import { type CliRun, READY, spawnCli } from './spawn-cli.js';

export const TEST_API_KEY = 'sk_emulated_Q7pX2mVb9LzR4tNcWy8E';

/** One test's world: a working folder, a private HOME and state folder, and every process it spawned. */
export interface CliWorld {
  cwd: string;
  env: { HOME: string; XDG_STATE_HOME: string };
  spawn(args: string[], extraEnv?: Record<string, string>): CliRun;
  /** Every byte any spawned process printed, for secret checks. */
  allOutput(): string;
  killAll(): void;
}

export async function createWorld(cwd: string): Promise<CliWorld> {
  const home = join(cwd, 'home');
  await mkdir(home, { recursive: true });
  const env = { HOME: home, XDG_STATE_HOME: join(home, 'state') };
  const runs: CliRun[] = [];
  return {
    cwd,
    env,
    spawn(args, extraEnv = {}) {
      const run = spawnCli(args, { cwd, env: { ...env, ...extraEnv } });
      runs.push(run);
      return run;
    },
    allOutput: () => runs.map((run) => run.stdout() + run.stderr()).join('\n'),
    killAll() {
      for (const run of runs) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    },
  };
}

/**
 * Spawns `metriport-webhook emulator` on a free port and waits until it is ready. Its account has a settings
 * row, as any account that has been used has: a new one answers 404 on `POST /settings` until `GET /settings`
 * creates it, as Metriport does.
 */
export async function spawnEmulator(world: CliWorld, extra: string[] = ['--allow-local-urls']): Promise<{ run: CliRun; url: string }> {
  const run = world.spawn(['emulator', '--port', '0', '--api-key', TEST_API_KEY, ...extra]);
  const [, url] = await run.waitFor(/Emulator ready: (http:\/\/\S+)/);
  await emulatorApi(url ?? '', 'GET', '/settings');
  return { run, url: url ?? '' };
}

/** Calls the emulator's API the way a script would. */
export async function emulatorApi(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; json: any }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'x-api-key': TEST_API_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // plain text answers (the retry endpoint says OK)
  }
  return { status: response.status, json };
}

/**
 * Per-test worlds for a test file: `newWorld()` makes one in a fresh temp folder; after each test every
 * process it spawned is killed and every registered cleanup runs, newest first.
 */
export function useCliWorlds(): { newWorld(): Promise<CliWorld>; onCleanup(cleanup: () => Promise<unknown> | void): void } {
  const worlds: CliWorld[] = [];
  const cleanups: Array<() => Promise<unknown> | void> = [];
  afterEach(async () => {
    for (const world of worlds.splice(0)) world.killAll();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    async newWorld() {
      const dir = await mkdtemp(join(tmpdir(), 'mw-world-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const world = await createWorld(dir);
      worlds.push(world);
      return world;
    },
    onCleanup: (cleanup) => void cleanups.push(cleanup),
  };
}

/**
 * Spawns `listen --port 0` behind a local stand-in tunnel whose URL is registered: no port is guessed, so
 * nothing can race for it. Resolves once the listener is ready and the relay points at it.
 */
export async function spawnListenBehindTunnel(
  world: CliWorld,
  input: { apiUrl: string; args?: string[]; env?: Record<string, string>; onCleanup: (cleanup: () => Promise<unknown>) => void },
): Promise<{ run: CliRun; url: string; webhookUrl: string; tunnel: LocalTunnel }> {
  const tunnel = await startLocalTunnel();
  input.onCleanup(() => tunnel.close());
  const run = world.spawn(['listen', '--port', '0', '--public-url', tunnel.url, '--api-url', input.apiUrl, ...(input.args ?? [])], {
    METRIPORT_API_KEY: TEST_API_KEY,
    ...input.env,
  });
  const [, url] = await run.waitFor(READY);
  tunnel.relayTo(Number(new URL(url ?? '').port));
  return { run, url: url ?? '', webhookUrl: `${tunnel.url}/webhook`, tunnel };
}
