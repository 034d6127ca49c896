import { createHash, randomBytes } from 'node:crypto';
import { link, open, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { MwError } from '../errors.js';
import { fileError } from '../util/file-error.js';

/** How often a holder touches its lock file, so that others can tell it still runs. */
export const LOCK_REFRESH_MS = 2000;
/** A lock not touched for this long has no live holder doing a start-up: `--force` takes it over. */
export const LOCK_STALE_MS = 20_000;
/** Temp files of a process killed while it was taking the lock are removed after this long. */
const LEFTOVER_MS = 60 * 60 * 1000;

export interface StartLockOptions {
  /** The lock file. */
  path: string;
  pid: number;
  isProcessAlive: (pid: number) => boolean;
  /** When `pid` started, as `processStartOf` tells it (`null`: exited; `undefined`: cannot be told). */
  processStart: (pid: number) => string | null | undefined;
  /** Also take over a lock whose holder runs but has not touched it for `LOCK_STALE_MS`. */
  force: boolean;
  /** How long to wait for a live holder. */
  waitMs: number;
  now: () => number;
}

export interface HeldLock {
  /** Removes the lock, if it is still this holder's. */
  release(): Promise<void>;
}

/** Who wrote a lock file. The first format held only `<pid>\n`; an empty file is one being written without link(). */
interface Holder {
  pid: number | undefined;
  /** `processStartOf(pid)` when it was written; `null` when unknown (another OS, the first format). */
  start: string | null;
  token: string | undefined;
}

interface SeenLock {
  holder: Holder;
  /** One value per lock file ever made: its token, or for the first format a hash of its bytes and inode. */
  generation: string;
  ageMs: number;
}

type Verdict = 'live' | 'stale' | 'unresponsive';

/**
 * The start-up lock: one holder at a time, even when many processes find the same stale lock at once.
 *
 * - A free lock is taken by hard-linking a complete temp file to the lock's name: it appears whole or not at
 *   all, so no one ever reads a half-written lock and takes it for stale (the first version wrote the pid
 *   after creating the file, and `rm` + retry let two takers both win).
 * - The lock names its holder: pid, start identity (`processStartOf`) and a random token; the holder touches
 *   it every `LOCK_REFRESH_MS`. It is stale when the pid is gone or now belongs to a process that started at
 *   another time (a reused pid). A holder that runs but has not touched it for `LOCK_STALE_MS` (a program
 *   that got a crashed listen's pid where start times cannot be read, or a lock of the first format) is
 *   unresponsive: only `force` takes it over.
 * - Taking over is a compare-and-swap that only one taker can win: a taker first creates, exclusively, a
 *   marker named after the stale lock's generation, then checks that the lock is still that generation, and
 *   only then renames its own lock file over it. A marker whose taker died is passed by creating the next
 *   numbered marker, which again only one taker can do.
 */
export async function acquireStartLock(options: StartLockOptions): Promise<HeldLock> {
  const { path, pid } = options;
  const token = randomBytes(12).toString('hex');
  const content = `${JSON.stringify({ pid, start: options.processStart(pid) ?? null, token, at: new Date(options.now()).toISOString() })}\n`;
  const temp = `${path}.${token}.tmp`;
  await guard(`create ${temp}`, () => writeFile(temp, content, { mode: 0o600, flag: 'wx' }));
  try {
    const deadline = options.now() + options.waitMs;
    for (;;) {
      if (await createWhole({ from: temp, to: path, content })) return await held(options, token);
      const seen = await readLock(path, options.now);
      if (seen === undefined) continue;
      const verdict = judge(seen, options);
      const takeable = verdict === 'stale' || (verdict === 'unresponsive' && options.force);
      if (takeable && (await takeOver({ seen, temp, content, options }))) return await held(options, token);
      if (verdict === 'unresponsive' && !options.force) throw unresponsiveError(path, seen);
      if (options.now() >= deadline) {
        const who = seen.holder.pid === undefined ? 'Another listen' : `Another listen (pid ${seen.holder.pid})`;
        throw new MwError(`${who} is registering with the same API right now.`, {
          code: 'LISTEN_STARTING',
          category: 'usage',
          hint: 'Wait until it is ready, then stop it or pass --force to take the URL over.',
        });
      }
      // A live holder: wait for it. A takeover lost to another taker: the lock is theirs in a moment.
      await delay(takeable ? 10 : 50);
    }
  } finally {
    await rm(temp, { force: true });
  }
}

function judge(seen: SeenLock, options: StartLockOptions): Verdict {
  const { pid, start } = seen.holder;
  // No pid: a file another version is still writing, or garbage; left alone while it is young.
  if (pid === undefined) return seen.ageMs > LOCK_STALE_MS ? 'stale' : 'live';
  const now = options.processStart(pid);
  if (now === null || !options.isProcessAlive(pid)) return 'stale';
  if (start !== null && now !== undefined && now !== start) return 'stale';
  return seen.ageMs > LOCK_STALE_MS ? 'unresponsive' : 'live';
}

/** Whether the taker that wrote a marker still runs (then it finishes its takeover in a moment). */
function runs(holder: Holder, options: StartLockOptions): boolean {
  if (holder.pid === undefined) return true;
  const now = options.processStart(holder.pid);
  if (now === null || !options.isProcessAlive(holder.pid)) return false;
  return holder.start === null || now === undefined || now === holder.start;
}

async function takeOver(input: { seen: SeenLock; temp: string; content: string; options: StartLockOptions }): Promise<boolean> {
  const { seen, temp, content, options } = input;
  const prefix = `${options.path}.takeover-${seen.generation}-`;
  const passed: string[] = [];
  let marker: string | undefined;
  // More takers than this dying in turn, each between two system calls, is not a case to plan for.
  for (let index = 0; index < 64 && marker === undefined; index += 1) {
    const name = `${prefix}${index}`;
    if (await createWhole({ from: undefined, to: name, content })) {
      marker = name;
      break;
    }
    const taker = await readLock(name, options.now);
    // Gone: its taker finished (the lock is another generation now). Running: it finishes in a moment.
    if (taker === undefined || runs(taker.holder, options)) return false;
    passed.push(name);
  }
  if (marker === undefined) return false;
  try {
    // The compare of the compare-and-swap: no one else can change this generation while we hold its marker.
    const current = await readLock(options.path, options.now);
    if (current === undefined || current.generation !== seen.generation) return false;
    await guard(`take over ${options.path}`, () => rename(temp, options.path));
    return true;
  } finally {
    for (const name of [marker, ...passed]) await rm(name, { force: true });
  }
}

/** Creates `to` whole, or not at all (`false` when it exists): a link to a written temp file where possible. */
async function createWhole(input: { from: string | undefined; to: string; content: string }): Promise<boolean> {
  const from = input.from ?? `${input.to}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    if (input.from === undefined) await guard(`create ${from}`, () => writeFile(from, input.content, { mode: 0o600, flag: 'wx' }));
    await link(from, input.to);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (error instanceof MwError || !['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK'].includes(code ?? '')) {
      throw error instanceof MwError ? error : lockError(`create ${input.to}`, error);
    }
    // A file system without hard links: an exclusive create, then the write (readers take an empty young file for live).
    try {
      await writeFile(input.to, input.content, { mode: 0o600, flag: 'wx' });
      return true;
    } catch (fallback) {
      if ((fallback as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw lockError(`create ${input.to}`, fallback);
    }
  } finally {
    if (input.from === undefined) await rm(from, { force: true });
  }
}

/** The lock as one read of one file (content and age from the same open file), or `undefined` when there is none. */
async function readLock(path: string, now: () => number): Promise<SeenLock | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw lockError(`read ${path}`, error);
  }
  try {
    const info = await handle.stat();
    const raw = await handle.readFile('utf8');
    const holder = parseHolder(raw);
    const generation =
      holder.token ?? `v1-${createHash('sha256').update(`${raw}\0${info.ino}\0${info.mtimeMs}`).digest('hex').slice(0, 24)}`;
    return { holder, generation, ageMs: now() - info.mtimeMs };
  } finally {
    await handle.close();
  }
}

function parseHolder(raw: string): Holder {
  if (/^\s*\d+\s*$/.test(raw)) return { pid: positive(Number(raw)), start: null, token: undefined };
  try {
    const value = JSON.parse(raw) as { pid?: unknown; start?: unknown; token?: unknown };
    const token = typeof value.token === 'string' && /^[0-9a-f]{8,64}$/.test(value.token) ? value.token : undefined;
    return { pid: positive(value.pid), start: typeof value.start === 'string' ? value.start : null, token };
  } catch {
    return { pid: undefined, start: null, token: undefined };
  }
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

async function held(options: StartLockOptions, token: string): Promise<HeldLock> {
  const { path } = options;
  const mine = async () => (await readLock(path, options.now).catch(() => undefined))?.holder.token === token;
  // Touched while held, so that a start-up that takes long (a confirmation prompt) is never taken for abandoned.
  const timer = setInterval(() => {
    void (async () => {
      if (!(await mine())) return;
      const at = new Date(options.now());
      await utimes(path, at, at).catch(() => undefined);
    })();
  }, LOCK_REFRESH_MS);
  timer.unref();
  // While the lock is ours, every marker is of a past generation (see sweepLeftovers).
  await sweepLeftovers(path, options.now).catch(() => undefined);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      if (await mine()) await rm(path, { force: true });
    },
  };
}

/**
 * Run only while holding the lock. A marker is named after a generation someone saw, and generations never
 * come back, so while the lock is ours every marker is of a past one: useless (a taker that still holds one
 * finds the lock is another generation and backs off) and safe to remove. Swept at any other moment, it
 * could be the marker of a stale lock being taken over, and two takers could win. Temp files are removed by
 * their writer unless it was killed: those are removed after an hour.
 */
async function sweepLeftovers(path: string, now: () => number): Promise<void> {
  const dir = dirname(path);
  const name = basename(path);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const entry of names) {
    if (!entry.startsWith(`${name}.`)) continue;
    const full = join(dir, entry);
    if (entry.endsWith('.tmp')) {
      const info = await stat(full).catch(() => undefined);
      if (info !== undefined && now() - info.mtimeMs > LEFTOVER_MS) await rm(full, { force: true });
    } else if (entry.startsWith(`${name}.takeover-`)) {
      await rm(full, { force: true });
    }
  }
}

function unresponsiveError(path: string, seen: SeenLock): MwError {
  return new MwError(
    `The start-up lock ${path} names pid ${seen.holder.pid}, which runs but has not touched it for ${Math.round(seen.ageMs / 1000)} s: it is not a listen starting (most likely a crashed listen's pid, now another program's).`,
    {
      code: 'STATE_LOCK_UNRESPONSIVE',
      category: 'usage',
      hint: 'Pass --force (listen --force, or restore --force) to take the lock over.',
    },
  );
}

async function guard<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw lockError(action, error);
  }
}

function lockError(action: string, error: unknown): MwError {
  return fileError({
    action,
    error,
    code: 'STATE_FILE_FAILED',
    hint: 'Check that the state folder is writable, or set XDG_STATE_HOME to a writable folder.',
  });
}
