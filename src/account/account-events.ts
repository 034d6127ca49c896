import type { RegistrationRecord } from '../state/registration-record.js';
import type { StateProblem } from '../state/state-store.js';
import type { RestoreOutcome } from './restore.js';

/** What registering and restoring report. Events carry data; only `output/` turns them into words. */
export type AccountEvent =
  /** A listen that did not exit cleanly left this record; it is restored before registering anew. */
  | { type: 'recovering'; at: Date; record: RegistrationRecord }
  /** The state file had something that could not be used (damaged, or for another API). */
  | { type: 'state-problem'; at: Date; problem: StateProblem }
  /** `--force`: the URL is taken over from the live listen with this pid. */
  | { type: 'taking-over'; at: Date; pid: number }
  | { type: 'registered'; at: Date; webhookUrl: string; previousUrl: string | null; target: string }
  | { type: 'restored'; at: Date; outcome: RestoreOutcome }
  /** `--keep-url`: the URL stays registered on exit. */
  | { type: 'url-kept'; at: Date; url: string };
