import type { VerifiedBy, VerifyFailure } from '../webhook/signature.js';

/** Counters printed when `listen` stops. */
export interface ReceiverStats {
  /** Requests to the webhook path. */
  received: number;
  verified: number;
  /** Refused: failed verification, unreadable body, too large, wrong method. */
  rejected: number;
  duplicates: number;
  /** Verified and answered, but left out by `--events`. */
  filtered: number;
  /** Written to `--out` / `--jsonl`. */
  stored: number;
}

export interface ShownMessage {
  receivedAt: Date;
  type: string;
  messageId: string | undefined;
  verifiedBy: VerifiedBy;
  payload: unknown;
  /** Size of the raw body in bytes. */
  size: number;
  /** The exact bytes received (the JSON line embeds them rather than re-serialising the payload). */
  raw: Buffer;
}

/** Everything the listen engine reports. Sinks pick what they show; only `message` is data. */
export type SessionEvent =
  | { type: 'ready'; localUrl: string; publicUrl?: string | undefined; outDir?: string | undefined; jsonlFile?: string | undefined }
  | { type: 'message'; message: ShownMessage }
  | { type: 'ping'; at: Date; ping: string; verifiedBy: VerifiedBy }
  | { type: 'duplicate'; at: Date; messageType: string; messageId: string }
  | { type: 'filtered'; at: Date; messageType: string; messageId: string | undefined }
  | { type: 'verify-failed'; at: Date; reason: VerifyFailure; detail: string }
  | { type: 'rejected'; at: Date; status: number; detail: string }
  | { type: 'warning'; at: Date; message: string; hint?: string | undefined }
  | { type: 'registered'; at: Date; webhookUrl: string; previousUrl: string | null; target: string }
  | { type: 'webhook-health'; at: Date; enabled: boolean; detail: string | null; processing: number; failed: number }
  | { type: 'restored'; at: Date; message: string; changed: boolean }
  | { type: 'info'; at: Date; message: string }
  /** A wait worth a spinner on a terminal (tunnel, registration); the next event ends it. */
  | { type: 'progress'; message: string }
  | { type: 'tunnel-state'; at: Date; state: 'connected' | 'reconnecting' | 'lost'; url: string }
  | { type: 'forwarded'; at: Date; url: string; messageType: string; status: number; durationMs: number; body: string }
  | { type: 'forward-failed'; at: Date; url: string; messageType: string; status: 502 | 504; detail: string }
  | { type: 'stopped'; stats: ReceiverStats };
