import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { processStartOf } from '../../src/state/process-start.js';
import { acquireStartLock, LOCK_STALE_MS, type StartLockOptions } from '../../src/state/start-lock.js';

// The lock's rules with pretend processes: which pids run, and when each started.

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function lockPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mw-start-lock-'));
  dirs.push(dir);
  return join(dir, 'registration.json.lock');
}

/** Pids 1000–1999 run and started at "boot:<pid>"; others are gone. */
function options(path: string, pid: number, extra: Partial<StartLockOptions> = {}): StartLockOptions {
  return {
    path,
    pid,
    isProcessAlive: (other) => other >= 1000 && other < 2000,
    processStart: (other) => (other >= 1000 && other < 2000 ? `boot:${other}` : undefined),
    force: false,
    waitMs: 100,
    now: Date.now,
    ...extra,
  };
}

const old = () => new Date(Date.now() - LOCK_STALE_MS - 60_000);

describe('the start-up lock', () => {
  it('names its holder whole (pid, start, token), and its release removes it', async () => {
    const path = await lockPath();
    const held = await acquireStartLock(options(path, 1001));
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({
      pid: 1001,
      start: 'boot:1001',
      token: expect.stringMatching(/^[0-9a-f]{24}$/),
    });
    await held.release();
    expect(await readdir(join(path, '..'))).toEqual([]);
  });

  it.each([
    ['the first format naming a pid that is gone', '3001\n'],
    ['the current format naming a pid that is gone', JSON.stringify({ pid: 3001, start: 'boot:3001', token: 'a'.repeat(24) })],
    ['a pid that now runs another program (its start time differs)', JSON.stringify({ pid: 1005, start: 'boot:9', token: 'b'.repeat(24) })],
  ])('takes over %s at once, without --force', async (_name, content) => {
    const path = await lockPath();
    await writeFile(path, content);
    const held = await acquireStartLock(options(path, 1001));
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(1001);
    await held.release();
  });

  it('waits for a live holder that touches its lock, then says who holds it', async () => {
    const path = await lockPath();
    await writeFile(path, JSON.stringify({ pid: 1002, start: 'boot:1002', token: 'c'.repeat(24) }));
    await expect(acquireStartLock(options(path, 1001))).rejects.toMatchObject({
      code: 'LISTEN_STARTING',
      message: 'Another listen (pid 1002) is registering with the same API right now.',
    });
    await expect(acquireStartLock(options(path, 1001, { force: true }))).rejects.toMatchObject({ code: 'LISTEN_STARTING' });
  });

  it('a holder that runs but stopped touching the lock: refused at once without --force, taken over with it', async () => {
    const path = await lockPath();
    await writeFile(path, '1002\n');
    await utimes(path, old(), old());
    await expect(acquireStartLock(options(path, 1001, { waitMs: 60_000 }))).rejects.toMatchObject({
      code: 'STATE_LOCK_UNRESPONSIVE',
      category: 'usage',
      hint: 'Pass --force (listen --force, or restore --force) to take the lock over.',
    });
    const held = await acquireStartLock(options(path, 1001, { force: true }));
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(1001);
    await held.release();
  });

  it('passes the marker of a taker that died mid-takeover, and sweeps markers once the lock is held', async () => {
    const path = await lockPath();
    await writeFile(path, JSON.stringify({ pid: 3001, start: null, token: 'd'.repeat(24) }));
    // A taker (pid 3002, gone now) won the marker of this generation and died before the rename.
    await writeFile(`${path}.takeover-${'d'.repeat(24)}-0`, JSON.stringify({ pid: 3002, start: null, token: 'e'.repeat(24) }));
    await writeFile(`${path}.takeover-older-generation-0`, JSON.stringify({ pid: 3003, start: null, token: 'f'.repeat(24) }));
    const held = await acquireStartLock(options(path, 1001));
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(1001);
    expect(await readdir(join(path, '..'))).toEqual(['registration.json.lock']);
    await held.release();
  });

  it('a live taker holding the marker is waited for, never raced', async () => {
    const path = await lockPath();
    await writeFile(path, JSON.stringify({ pid: 3001, start: null, token: 'd'.repeat(24) }));
    await writeFile(`${path}.takeover-${'d'.repeat(24)}-0`, JSON.stringify({ pid: 1003, start: 'boot:1003', token: 'e'.repeat(24) }));
    await expect(acquireStartLock(options(path, 1001))).rejects.toMatchObject({ code: 'LISTEN_STARTING' });
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(3001);
  });

  it('release leaves alone a lock that is no longer its own (taken over with --force)', async () => {
    const path = await lockPath();
    const first = await acquireStartLock(options(path, 1001));
    await utimes(path, old(), old());
    const second = await acquireStartLock(options(path, 1002, { force: true }));
    await first.release();
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(1002);
    await second.release();
  });

  it('8 takers of one stale lock in one process, interleaved at every await: one holder at a time, each in turn', async () => {
    const path = await lockPath();
    await writeFile(path, '3001\n');
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, index) => {
        const held = await acquireStartLock(options(path, 1100 + index, { waitMs: 30_000 }));
        inside += 1;
        most = Math.max(most, inside);
        order.push(index);
        await delay(1);
        inside -= 1;
        await held.release();
      }),
    );
    expect(most).toBe(1);
    expect(order).toHaveLength(8);
  });

  it('processStartOf reads this process on Linux, and says nothing for a pid that is not there', () => {
    const mine = processStartOf(process.pid);
    if (mine !== undefined) expect(mine).toMatch(/^.+:\d+$/);
    expect(processStartOf(2 ** 22 + 11)).toBeUndefined();
  });
});
