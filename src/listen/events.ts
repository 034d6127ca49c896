import type { AccountEvent } from '../account/account-events.js';
import type { ReceiverEvent, ReceiverStats } from '../receiver/receiver.js';

export type { ReceiverStats };

/**
 * Everything the listen engine reports: the receiver's events and the session's own. Events carry data;
 * only `output/` turns them into words. The `inspector-`/`emulator-` events, `info` and `warning` are published
 * by the command around the engine (`info` and `warning` carry text).
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
  /** The command's web inspector is up (on another port than `requestedPort` when that was taken: `fellBack`). */
  | { type: 'inspector-ready'; url: string; port: number; requestedPort: number; fellBack: boolean }
  /** `--emulator`: the in-process emulator is the account; commands from another terminal use this API. */
  | { type: 'emulator-ready'; url: string; apiKey: string; port: number; requestedPort: number; fellBack: boolean }
  /** `--emulator`: the emulator sends one sample of each message type, then says it is done. */
  | { type: 'emulator-tour'; phase: 'started' | 'done'; types: number }
  | { type: 'info'; at: Date; message: string }
  | { type: 'warning'; at: Date; message: string; hint?: string | undefined };
