import type { AccountEvent } from '../account/account-events.js';
import type { ReceiverEvent, ReceiverStats } from '../receiver/receiver.js';

export type { ReceiverStats };

/**
 * Everything the listen engine reports: the receiver's events and the session's own. Events carry data;
 * only `output/` turns them into words. `info` and `warning` carry text and are published by commands only.
 */
export type SessionEvent =
  | ReceiverEvent
  | AccountEvent
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
  /** The configured webhook key (from `origin`) is not the account's; the account's is used. */
  | { type: 'key-differs'; at: Date; origin: string }
  | { type: 'webhook-health'; at: Date; enabled: boolean; detail: string | null; processing: number; failed: number }
  | { type: 'health-unreadable'; at: Date; error: Error }
  /** A request got 500 because of the tool's own fault. */
  | { type: 'internal-error'; at: Date; error: Error }
  | { type: 'stopped'; stats: ReceiverStats }
  | { type: 'info'; at: Date; message: string }
  | { type: 'warning'; at: Date; message: string; hint?: string | undefined };
