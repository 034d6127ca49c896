import type { ReceiverEvent, ReceiverStats } from '../webhook/receiver.js';
import type { RegistrationRecord, RestoreOutcome, StateProblem } from './restore.js';

export type { ReceiverStats };

/**
 * Everything the listen engine reports: the receiver's events and the session's own. Events carry data;
 * only `output/` turns them into words. `info` and `warning` carry text and are published by commands only.
 */
export type SessionEvent =
  | ReceiverEvent
  | {
      type: 'ready';
      localUrl: string;
      publicUrl?: string | undefined;
      outDir?: string | undefined;
      jsonlFile?: string | undefined;
      inspectorUrl?: string | undefined;
    }
  /** A wait worth a spinner on a terminal; the next event ends it. */
  | { type: 'progress'; step: 'tunnel' | 'registration' }
  | { type: 'tunnel-state'; at: Date; state: 'connected' | 'reconnecting' | 'lost'; url: string }
  /** A listen that did not exit cleanly left this record; it is restored before registering anew. */
  | { type: 'recovering'; at: Date; record: RegistrationRecord }
  /** The state file had something that could not be used (damaged, or for another API). */
  | { type: 'state-problem'; at: Date; problem: StateProblem }
  /** `--force`: the URL is taken over from the live listen with this pid. */
  | { type: 'taking-over'; at: Date; pid: number }
  | { type: 'registered'; at: Date; webhookUrl: string; previousUrl: string | null; target: string }
  /** The configured webhook key (from `origin`) is not the account's; the account's is used. */
  | { type: 'key-differs'; at: Date; origin: string }
  | { type: 'webhook-health'; at: Date; enabled: boolean; detail: string | null; processing: number; failed: number }
  | { type: 'health-unreadable'; at: Date; error: Error }
  | { type: 'restored'; at: Date; outcome: RestoreOutcome }
  /** `--keep-url`: the URL stays registered on exit. */
  | { type: 'url-kept'; at: Date; url: string }
  /** A request got 500 because of the tool's own fault. */
  | { type: 'internal-error'; at: Date; error: Error }
  | { type: 'stopped'; stats: ReceiverStats }
  | { type: 'info'; at: Date; message: string }
  | { type: 'warning'; at: Date; message: string; hint?: string | undefined };
