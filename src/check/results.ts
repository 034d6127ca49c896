import type { NextCommand } from '../next-command.js';
import type { CheckId } from './check-ids.js';

/**
 * What `check` finds, as data: only `src/output/` turns it into words (the terminal, `--json`, JUnit).
 *
 * - `pass`: the endpoint does what Metriport needs.
 * - `fail`: Metriport would count deliveries as failed (or the endpoint accepts forgeries): exit 1.
 * - `warning`: delivered today, with a risk worth knowing (slower than the docs ask, a re-serialised body):
 *   never fails the run.
 * - `not-judged`: a prerequisite failed, so this check cannot say anything true; not a failure by itself.
 */
export type Mark = 'pass' | 'fail' | 'warning' | 'not-judged';

/** What one request of a check was. */
export type Sent =
  /** The ping Metriport sends when a webhook URL is saved. */
  | { kind: 'ping'; type: 'ping' }
  /** A signed sample of `type`, as Metriport writes it. */
  | { kind: 'message'; type: string }
  /** A message whose signature is missing or wrong. */
  | { kind: 'forged'; type: string; how: 'unsigned' | 'other-key' | 'other-signature' }
  /** JSON.stringify output with non-ASCII text, keys in Metriport's (JSONB) order: what Metriport really writes. */
  | { kind: 'real-bytes'; type: string }
  /** Valid JSON that Metriport never writes: `\u00e9`, `\/`, `1.50`, a 20-digit number, numeric keys. */
  | { kind: 'trap'; type: string }
  | { kind: 'unknown-type'; type: string }
  | { kind: 'shape'; type: string; shape: ShapeId }
  /** The same `meta.messageId` again: `again` after the first was answered, `overlap` while it is in flight. */
  | { kind: 'repeat'; type: string; copy: 'first' | 'again' | 'overlap-first' | 'overlap-retry' }
  | { kind: 'large'; type: string; bytes: number; documents: number }
  /** One of `inFlight` messages sent together (1: one at a time, with Metriport's 0–200 ms gaps). */
  | { kind: 'in-flight'; type: string; inFlight: number };

/**
 * Shapes Metriport sends besides the happy path (docs and its code): each is one message, or two for the
 * conversion that arrives before its download.
 */
export const SHAPE_IDS = [
  'conversion-before-download',
  'no-request-id',
  'empty-documents',
  'failed-download',
  'failed-conversion',
  'failed-consolidated',
  'failed-bulk-create',
  'failed-network-query',
  'with-meta-data',
  'without-meta-data',
] as const;
export type ShapeId = (typeof SHAPE_IDS)[number];

/** How a request ended. `stopped`: the run was interrupted before an answer came. */
export type Outcome = 'answered' | 'timeout' | 'network-error' | 'stopped';

/** One request and what came back, as Metriport's sender would have read it. */
export interface Exchange {
  sent: Sent;
  outcome: Outcome;
  durationMs: number;
  /** Metriport's limit for this request: 2000 for the ping, 5000 for a message. */
  limitMs: number;
  status?: number;
  /** The answer's start, decoded as Metriport's sender decodes it (gzip/deflate/br undone, a UTF-8 BOM dropped). */
  body?: string;
  /** What was undone to read the body: `gzip`, `deflate`, `br`, `bom`. */
  decoded?: string[];
  /** The answer's content-encoding could not be undone: Metriport's sender fails such a request. */
  undecodable?: string;
  location?: string;
  /** The socket error (ECONNREFUSED, ENOTFOUND, ECONNRESET, a TLS code). */
  errorCode?: string;
  /** `server` and `x-powered-by`, to name the stack in a fix. */
  server?: string;
  poweredBy?: string;
}

/** A framework named by an answer's headers, for a fix in its own terms. */
export interface Stack {
  name: StackName;
  /** The header that said so, e.g. `x-powered-by: Express`. */
  evidence: string;
}
export type StackName = 'express' | 'nextjs' | 'fastapi' | 'flask' | 'django' | 'python' | 'rails' | 'php' | 'aspnet';

/** Why a check got its mark, as data; each kind is worded once, in `src/output/check-words.ts`. */
export type Finding =
  // reachable
  | { kind: 'reached'; ping: Exchange }
  | { kind: 'unreachable'; code: string }
  | { kind: 'no-route'; status: number }
  // redirects
  | { kind: 'no-redirect'; answered: number }
  | { kind: 'redirect'; status: number; location: string | undefined }
  // speed
  | { kind: 'in-time'; count: number; slowest: Timing | undefined }
  | { kind: 'slower-than-docs'; count: number; slow: Timing[]; stack?: Stack | undefined }
  | {
      kind: 'timeout';
      timedOut: string[];
      answered: number;
      slowestAnswered: Timing | undefined;
      unsent: number;
      stack?: Stack | undefined;
    }
  // signatures
  | { kind: 'verifies'; refusedWith: number[] }
  | { kind: 'refuses-signed'; statuses: number[] }
  | { kind: 'fails-signed'; statuses: Array<number | string> }
  | { kind: 'accepts-forged'; accepted: Array<'unsigned' | 'other-key' | 'other-signature'> }
  | { kind: 'refuses-without-4xx'; statuses: Array<number | string> }
  // ping
  | { kind: 'pong'; ms: number; decoded: string[] }
  | { kind: 'ping-timeout'; limitMs: number; stack?: Stack | undefined }
  | { kind: 'ping-refused'; status: number | string }
  | { kind: 'not-pong'; answer: string; contentEncoding?: string | undefined }
  // raw-bytes
  | { kind: 'raw-bytes'; ms: number }
  | { kind: 'verifies-reserialised'; stack?: Stack | undefined }
  | { kind: 'refuses-real-bytes'; status: number | string; stack?: Stack | undefined }
  // shapes
  | { kind: 'shapes-accepted'; shapes: ShapeId[]; leftToSpeed: string[] }
  | { kind: 'shapes-refused'; refused: Array<{ shape: ShapeId; status: number | string }>; accepted: number }
  // types
  | {
      kind: 'types-accepted';
      count: number;
      slowest: Timing | undefined;
      leftToShapes: Array<{ type: string; shape: ShapeId }>;
      unanswered: string[];
    }
  | {
      kind: 'types-refused';
      refused: Array<{ type: string; status: number | string }>;
      unknownRefused: boolean;
      accepted: number;
    }
  // idempotency
  | { kind: 'repeats-accepted' }
  | { kind: 'repeat-refused'; refused: Array<{ copy: 'first' | 'again' | 'overlap-first' | 'overlap-retry'; status: number | string }> }
  // size
  | { kind: 'large-accepted'; bytes: number; ms: number }
  | { kind: 'large-refused'; bytes: number; status: number | string; stack?: Stack | undefined }
  // concurrency
  | { kind: 'concurrency'; levels: ConcurrencyLevel[] };

/** One answer time, by message type. */
export interface Timing {
  type: string;
  ms: number;
}

/** How many of `sent` requests, `inFlight` at a time, were accepted within Metriport's limit. */
export interface ConcurrencyLevel {
  inFlight: number;
  sent: number;
  withinLimit: number;
  maxMs: number;
  /** Statuses or errors of those that were not accepted in time. */
  missed: Array<number | string>;
}

/** One decided check. */
export interface CheckResult {
  id: CheckId;
  mark: Mark;
  /** The requests this check sent, or that it judged (ping, speed and types judge shared ones). */
  exchanges: Exchange[];
  finding?: Finding;
  /** For `not-judged`: the failed check that decided it. */
  because?: CheckId;
  /** A command worth running for the fix (the webhook key, for instance). */
  next?: NextCommand;
  /**
   * A ✗ that still lets what depends on it be judged: `speed` when only some types were slow, while the
   * baseline message (the shape every later check sends) was answered in time.
   */
  dependentsJudged?: boolean;
  /**
   * Its own requests that were accepted but took over the 4 s the docs ask (speed judges the types; this is
   * every later answer): the check is then a warning.
   */
  slow?: { timings: Timing[]; stack?: Stack | undefined };
  /** From the check's start to its verdict (0 for one judged on requests another check sent). */
  durationMs?: number;
}

/** Progress, as the run goes: a check starts waiting for an answer, or is decided. */
export type CheckProgress =
  | { type: 'waiting'; id: CheckId; sent: Sent; inFlight: number; limitMs: number }
  | { type: 'decided'; result: CheckResult };

/** The run: every check decided, in the order decided; `interrupted` when it was stopped first. */
export interface CheckRun {
  results: CheckResult[];
  /** Every check the run meant to decide (`--only` and the prerequisites they need), in order. */
  planned: CheckId[];
  interrupted: boolean;
  durationMs: number;
}
