import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MwError } from '../errors.js';
import { processStartOf } from './process-start.js';
import { parseChain } from './registration-record.js';
import { acquireStartLock } from './start-lock.js';
import type { StateRead, StateStore } from './state-store.js';
import { checkFolder, readTrustedFile, stateError } from './trust.js';

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
    const text = await readTrustedFile(path, options.uid, {
      file: 'The state file',
      trusted: 'its URLs',
      hint: 'Check it, then fix it (chown to you, chmod 600) or remove it; it decides which webhook URL is put back.',
    });
    if (text === undefined) return { records: [], problems: [], foreign: [] };
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
