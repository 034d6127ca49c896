import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MwError } from '../errors.js';
import { fileError } from '../util/file-error.js';
import type { MetriportClient } from '../metriport/client.js';

/** What `listen` writes before it changes the account, so a crash can be undone later. */
export interface RegistrationRecord {
  environment: string;
  apiUrl: string;
  /** The URL to put back; `null` when the account had none (it then cannot be cleared, see the notes). */
  previousUrl: string | null;
  registeredUrl: string;
  pid: number;
  startedAt: string;
}

export type RestorePlan =
  | { action: 'restore'; url: string }
  /** The account had no URL before; Metriport ignores `""`, so ours stays registered. */
  | { action: 'keep'; reason: 'no-previous-url' | 'same-url' }
  /** Someone changed the URL since we registered: theirs is left alone. */
  | { action: 'leave'; currentUrl: string | null };

/** Pure: what restoring means, given the record and the account's current URL. */
export function planRestore(record: RegistrationRecord, currentUrl: string | null): RestorePlan {
  if (currentUrl !== record.registeredUrl) return { action: 'leave', currentUrl };
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

/** Reads the account's URL, applies the plan, and removes the record once nothing is left to undo. */
export async function restoreRegistration(input: { client: MetriportClient; store: StateStore; record: RegistrationRecord }): Promise<RestoreOutcome> {
  const { client, store, record } = input;
  const current = await client.getSettings();
  const plan = planRestore(record, current.webhookUrl);
  if (plan.action === 'restore') await client.updateWebhookUrl(plan.url);
  await store.remove();
  return { plan, record };
}

/** The registration record on disk (mode 0600 in a 0700 folder). */
export interface StateStore {
  readonly path: string;
  read(): Promise<RegistrationRecord | undefined>;
  write(record: RegistrationRecord): Promise<void>;
  remove(): Promise<void>;
}

export function fileStateStore(path: string): StateStore {
  return {
    path,
    async read() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw stateError(`read ${path}`, error);
      }
      try {
        return JSON.parse(text) as RegistrationRecord;
      } catch {
        // A torn write cannot be trusted to restore anything; dropping it is safer than guessing.
        await rm(path, { force: true });
        return undefined;
      }
    },
    async write(record) {
      try {
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
        // A fresh file ('wx') gets mode 0600 at creation; umask can only take bits away.
        await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
        await rename(temp, path);
      } catch (error) {
        throw stateError(`write ${path}`, error);
      }
    },
    async remove() {
      await rm(path, { force: true });
    },
  };
}

/** A record kept in memory, for an API that lives and dies with this process (the in-process emulator). */
export function memoryStateStore(): StateStore {
  let record: RegistrationRecord | undefined;
  return {
    path: '(memory)',
    read: async () => record,
    write: async (next) => {
      record = next;
    },
    remove: async () => {
      record = undefined;
    },
  };
}

function stateError(action: string, error: unknown): MwError {
  return fileError({ action, error, code: 'STATE_FILE_FAILED', hint: 'Check that the state folder is writable, or set XDG_STATE_HOME to a writable folder.' });
}
