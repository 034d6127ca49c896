import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { MwError } from '../errors.js';
import type { MetriportClient } from '../metriport/client.js';
import { fileError } from '../util/file-error.js';
import { isRecord } from '../util/json.js';

/** What `listen` writes before it changes the account, so a crash can be undone later. */
export interface RegistrationRecord {
  /** This session's own record, among the chain's. */
  id: string;
  environment: string;
  apiUrl: string;
  /**
   * The URL to put back; `null` when the account had none (it then cannot be cleared, see the notes). A
   * takeover (`--force`) inherits the original one, never the URL of the listen it took over from.
   */
  previousUrl: string | null;
  /** The URL before this listen could not be known (a damaged record was found): nothing is put back. */
  previousUnknown?: true;
  registeredUrl: string;
  pid: number;
  startedAt: string;
}

export type RestorePlan =
  | { action: 'restore'; url: string }
  /** Nothing to put back: the account had no URL (Metriport ignores `""`), it was ours already, or it is unknown. */
  | { action: 'keep'; reason: 'no-previous-url' | 'same-url' | 'previous-unknown' }
  /** Someone changed the URL since we registered: theirs is left alone. */
  | { action: 'leave'; currentUrl: string | null };

/** Pure: what restoring means, given the record and the account's current URL. */
export function planRestore(record: RegistrationRecord, currentUrl: string | null): RestorePlan {
  if (currentUrl !== record.registeredUrl) return { action: 'leave', currentUrl };
  if (record.previousUnknown) return { action: 'keep', reason: 'previous-unknown' };
  if (record.previousUrl === null || record.previousUrl === '') return { action: 'keep', reason: 'no-previous-url' };
  if (record.previousUrl === record.registeredUrl) return { action: 'keep', reason: 'same-url' };
  return { action: 'restore', url: record.previousUrl };
}

/** Whether the listen that wrote this record is another process that still runs (then its URL is live). */
export function heldByLiveListen(record: RegistrationRecord, self: { pid: number; isProcessAlive: (pid: number) => boolean }): boolean {
  return record.pid !== self.pid && self.isProcessAlive(record.pid);
}

export interface RestoreOutcome {
  plan: RestorePlan;
  record: RegistrationRecord;
}

/**
 * Reads the account's URL and applies the plan for `record`, then removes that record only: the records of
 * other sessions (a takeover, a crashed one) stay in the chain for whoever ends last.
 */
export async function restoreRegistration(input: {
  client: MetriportClient;
  store: StateStore;
  record: RegistrationRecord;
}): Promise<RestoreOutcome> {
  const { client, store, record } = input;
  const current = await client.getSettings();
  const plan = planRestore(record, current.webhookUrl);
  if (plan.action === 'restore') await client.updateWebhookUrl(plan.url);
  await store.update((records) => records.filter((item) => item.id !== record.id));
  return { plan, record };
}

/** What reading the state found besides usable records. */
export type StateProblem =
  /** The file could not be parsed or had the wrong shape; it was renamed aside, never used. */
  | { kind: 'damaged'; path: string; keptAs: string; detail: string }
  /** Records written for another API (a copied state folder): ignored, left in place. */
  | { kind: 'other-api'; apiUrl: string };

export interface StateRead {
  records: RegistrationRecord[];
  problems: StateProblem[];
}

/**
 * The chain of registration records for one API (one file, mode 0600 in a 0700 folder). Every change is
 * read-modify-write under an exclusive lock, and `lock()` also guards a whole start-up, so two `listen`
 * started at the same moment cannot both register.
 */
export interface StateStore {
  readonly path: string;
  read(): Promise<StateRead>;
  /** Applies `change` to the records under the lock; an empty chain removes the file. */
  update(change: (records: RegistrationRecord[]) => RegistrationRecord[]): Promise<void>;
  /** Takes the start-up lock: waits a little for a live holder, takes over a dead one's. Resolves with the release. */
  lock(): Promise<() => Promise<void>>;
}

export interface FileStateStoreOptions {
  /** The API whose records belong here; records for another are reported and left alone. */
  apiUrl: string;
  /** This user's id: a file owned by someone else, or writable by others, is refused (undefined: not checked). */
  uid: number | undefined;
  pid: number;
  isProcessAlive: (pid: number) => boolean;
  /** How long `lock()` waits for another start-up to finish. Default 5000 ms. */
  lockWaitMs?: number;
}

const FORMAT_VERSION = 2;

export function fileStateStore(path: string, options: FileStateStoreOptions): StateStore {
  const lockPath = `${path}.lock`;
  let heldLocks = 0;

  async function readChain(): Promise<StateRead & { foreign: unknown[] }> {
    let text: string;
    try {
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
    const deadline = Date.now() + (options.lockWaitMs ?? 5000);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 }).catch((error: unknown) => {
      throw stateError(`create ${dirname(path)}`, error);
    });
    for (;;) {
      try {
        const handle = await open(lockPath, 'wx', 0o600);
        await handle.writeFile(`${options.pid}\n`);
        await handle.close();
        heldLocks = 1;
        return async () => {
          heldLocks -= 1;
          if (heldLocks === 0) await rm(lockPath, { force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw stateError(`create ${lockPath}`, error);
      }
      const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
      // A lock whose process is gone (or that holds no pid) is stale: take it over.
      if (!(Number.isInteger(holder) && holder > 0 && options.isProcessAlive(holder))) {
        await rm(lockPath, { force: true });
        continue;
      }
      if (Date.now() >= deadline) {
        throw new MwError(`Another listen (pid ${holder}) is registering with the same API right now.`, {
          code: 'LISTEN_STARTING',
          category: 'usage',
          hint: 'Wait until it is ready, then stop it or pass --force to take the URL over.',
        });
      }
      await delay(50);
    }
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

/** A chain kept in memory, for an API that lives and dies with this process (the in-process emulator). */
export function memoryStateStore(): StateStore {
  let records: RegistrationRecord[] = [];
  return {
    path: '(memory)',
    read: async () => ({ records: [...records], problems: [] }),
    update: async (change) => {
      records = change([...records]);
    },
    lock: async () => async () => undefined,
  };
}

/** Pure: the records of a state file, or why it cannot be trusted. Reads the first format (one record) too. */
export function parseChain(text: string): { ok: true; records: RegistrationRecord[] } | { ok: false; detail: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, detail: 'it is not JSON (cut short by a crash?)' };
  }
  const items = isRecord(value) && Array.isArray(value.records) ? value.records : [value];
  const records: RegistrationRecord[] = [];
  for (const item of items) {
    const record = toRecord(item);
    if (record === undefined) return { ok: false, detail: 'a record does not have the expected fields' };
    records.push(record);
  }
  return { ok: true, records };
}

function toRecord(value: unknown): RegistrationRecord | undefined {
  if (!isRecord(value)) return undefined;
  const { environment, apiUrl, previousUrl, registeredUrl, pid, startedAt } = value;
  const valid =
    typeof environment === 'string' &&
    typeof apiUrl === 'string' &&
    (previousUrl === null || typeof previousUrl === 'string') &&
    typeof registeredUrl === 'string' &&
    registeredUrl !== '' &&
    typeof pid === 'number' &&
    Number.isInteger(pid) &&
    pid > 0 &&
    typeof startedAt === 'string';
  if (!valid) return undefined;
  const id = typeof value.id === 'string' && value.id !== '' ? value.id : `${pid}-${startedAt}`;
  return {
    id,
    environment,
    apiUrl,
    previousUrl,
    registeredUrl,
    pid,
    startedAt,
    ...(value.previousUnknown === true ? { previousUnknown: true as const } : {}),
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

function stateError(action: string, error: unknown): MwError {
  return fileError({
    action,
    error,
    code: 'STATE_FILE_FAILED',
    hint: 'Check that the state folder is writable, or set XDG_STATE_HOME to a writable folder.',
  });
}
