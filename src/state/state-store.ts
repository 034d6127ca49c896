import type { RegistrationRecord } from './registration-record.js';

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
