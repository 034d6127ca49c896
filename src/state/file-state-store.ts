import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MwError } from '../errors.js';
import { fileError } from '../util/file-error.js';
import { processStartOf } from './process-start.js';
import { parseChain } from './registration-record.js';
import { acquireStartLock } from './start-lock.js';
import type { StateRead, StateStore } from './state-store.js';

export interface FileStateStoreOptions {
  /** The API whose records belong here; records for another are reported and left alone. */
  apiUrl: string;
  /** This user's id: a file owned by someone else, or writable by others, is refused (undefined: not checked). */
  uid: number | undefined;
  pid: number;
  isProcessAlive: (pid: number) => boolean;
  /** How long `lock()` waits for another start-up to finish. Default 5000 ms. */
  lockWaitMs?: number;
  /**
   * `--force`: also take over a start-up lock whose holder runs but has not touched it for `LOCK_STALE_MS`
   * (a program that got a crashed listen's pid). Default false.
   */
  force?: boolean;
  /** When a process started (default: `processStartOf`, Linux's /proc); tests give their own. */
  processStart?: (pid: number) => string | null | undefined;
  /** Milliseconds since the epoch (default Date.now), for the lock's age. */
  now?: () => number;
}

const FORMAT_VERSION = 2;

export function fileStateStore(path: string, options: FileStateStoreOptions): StateStore {
  const lockPath = `${path}.lock`;
  let heldLocks = 0;

  async function readChain(): Promise<StateRead & { foreign: unknown[] }> {
    let text: string;
    try {
      await checkFolder(dirname(path), options.uid);
      await checkOwnership(path, options.uid);
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], problems: [], foreign: [] };
      if (error instanceof MwError) throw error;
      throw stateError(`read ${path}`, error);
    }
    const parsed = parseChain(text);
    if (!parsed.ok) {
      // Never deleted and never trusted: kept aside for the user, and reported.
      const keptAs = `${path}.damaged-${Date.now()}`;
      await rename(path, keptAs).catch((error: unknown) => {
        throw stateError(`move the damaged ${path} aside`, error);
      });
      return { records: [], problems: [{ kind: 'damaged', path, keptAs, detail: parsed.detail }], foreign: [] };
    }
    const mine = parsed.records.filter((record) => record.apiUrl === options.apiUrl);
    const foreign = parsed.records.filter((record) => record.apiUrl !== options.apiUrl);
    return { records: mine, problems: foreign.map((record) => ({ kind: 'other-api' as const, apiUrl: record.apiUrl })), foreign };
  }

  async function writeChain(records: unknown[]): Promise<void> {
    try {
      if (records.length === 0) {
        await rm(path, { force: true });
        return;
      }
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
      // A fresh file ('wx') gets mode 0600 at creation; umask can only take bits away.
      await writeFile(temp, `${JSON.stringify({ version: FORMAT_VERSION, records }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      await rename(temp, path);
    } catch (error) {
      throw stateError(`write ${path}`, error);
    }
  }

  async function lock(): Promise<() => Promise<void>> {
    // Re-entrant within this process: start-up holds it while registration updates the chain.
    if (heldLocks > 0) {
      heldLocks += 1;
      return async () => {
        heldLocks -= 1;
      };
    }
    await mkdir(dirname(path), { recursive: true, mode: 0o700 }).catch((error: unknown) => {
      throw stateError(`create ${dirname(path)}`, error);
    });
    await checkFolder(dirname(path), options.uid).catch((error: unknown) => {
      throw error instanceof MwError ? error : stateError(`read ${dirname(path)}`, error);
    });
    const held = await acquireStartLock({
      path: lockPath,
      pid: options.pid,
      isProcessAlive: options.isProcessAlive,
      processStart: options.processStart ?? processStartOf,
      force: options.force ?? false,
      waitMs: options.lockWaitMs ?? 5000,
      now: options.now ?? Date.now,
    });
    heldLocks = 1;
    return async () => {
      heldLocks -= 1;
      if (heldLocks === 0) await held.release();
    };
  }

  return {
    path,
    async read() {
      const { records, problems } = await readChain();
      return { records, problems };
    },
    async update(change) {
      const release = await lock();
      try {
        const { records, foreign } = await readChain();
        await writeChain([...foreign, ...change(records)]);
      } finally {
        await release();
      }
    },
    lock,
  };
}

async function checkOwnership(path: string, uid: number | undefined): Promise<void> {
  if (uid === undefined) return;
  const info = await stat(path);
  const foreign = info.uid !== uid;
  if (foreign || (info.mode & 0o022) !== 0) {
    throw new MwError(
      `The state file ${path} is ${foreign ? 'not owned by you' : 'writable by other users'}, so its URLs cannot be trusted.`,
      {
        code: 'STATE_FILE_UNTRUSTED',
        category: 'filesystem',
        hint: `Check it, then fix it (chown to you, chmod 600) or remove it; it decides which webhook URL is put back.`,
      },
    );
  }
}

/**
 * The folder holds the state file, its lock and its temp files: whoever can write to it can remove the record
 * or put their own lock or file in its place. One of another user's, or writable by others, is refused like
 * such a file (it is never chmod-ed: the user decides).
 */
async function checkFolder(dir: string, uid: number | undefined): Promise<void> {
  if (uid === undefined) return;
  const info = await stat(dir);
  const foreign = info.uid !== uid;
  if (!foreign && (info.mode & 0o022) === 0) return;
  const mode = (info.mode & 0o7777).toString(8).padStart(4, '0');
  throw new MwError(
    `The state folder ${dir} is ${foreign ? 'not owned by you' : `writable by other users (mode ${mode})`}, so the record of which webhook URL to put back could be removed or replaced there.`,
    {
      code: 'STATE_FOLDER_UNTRUSTED',
      category: 'filesystem',
      hint: foreign
        ? 'Set XDG_STATE_HOME to a folder of your own, or check that folder and remove it.'
        : `Check it, then run \`chmod 700 ${/^[\w@%+=:,./-]+$/.test(dir) ? dir : `'${dir.replaceAll("'", "'\\''")}'`}\`, or set XDG_STATE_HOME to a folder of your own.`,
    },
  );
}

function stateError(action: string, error: unknown): MwError {
  return fileError({
    action,
    error,
    code: 'STATE_FILE_FAILED',
    hint: 'Check that the state folder is writable, or set XDG_STATE_HOME to a writable folder.',
  });
}
