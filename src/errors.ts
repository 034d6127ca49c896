import type { NextCommand } from './next-command.js';

/**
 * The one error type of the tool. Engines throw it; only `cli.ts` prints it and turns it into an exit code.
 * `message` names what failed; `hint` is the next step the user can take, and `next` the command it names.
 */
export type ErrorCategory = 'usage' | 'auth' | 'network' | 'api' | 'filesystem' | 'internal' | 'interrupted';

/**
 * Exit codes per category. Documented in the README; `usage` is 2 by the CLI contract; 1 is kept for "a
 * delivery failed" (trigger, replay, retry --wait), so an internal error has its own code (sysexits'
 * EX_SOFTWARE).
 */
export const EXIT_CODES: Readonly<Record<ErrorCategory, number>> = {
  internal: 70,
  usage: 2,
  auth: 3,
  network: 4,
  api: 5,
  filesystem: 6,
  /** Ctrl-C (or SIGTERM) stopped the command before it finished: the shell's 128 + SIGINT. */
  interrupted: 130,
};

export interface MwErrorOptions {
  /** Stable SCREAMING_SNAKE identifier, e.g. `NO_WEBHOOK_KEY`. */
  code: string;
  category: ErrorCategory;
  /** The next step for the user, printed after the message. Where it names `next`, it says `{next}` (NEXT). */
  hint?: string;
  /** The command the hint suggests, as data: printed as the user ran the CLI, with the flags it needs. */
  next?: NextCommand;
  cause?: unknown;
}

export class MwError extends Error {
  readonly code: string;
  readonly category: ErrorCategory;
  readonly hint: string | undefined;
  readonly next: NextCommand | undefined;

  constructor(message: string, options: MwErrorOptions) {
    super(message, { cause: options.cause });
    this.name = 'MwError';
    this.code = options.code;
    this.category = options.category;
    this.hint = options.hint;
    this.next = options.next;
  }

  /** The same error suggesting `next` instead: for the edge, which knows the flags a suggestion needs. */
  withNext(next: NextCommand): MwError {
    const copy = new MwError(this.message, { code: this.code, category: this.category, hint: this.hint, next, cause: this.cause });
    copy.stack = this.stack;
    return copy;
  }

  get exitCode(): number {
    return EXIT_CODES[this.category];
  }
}

export function usageError(code: string, message: string, hint?: string): MwError {
  return new MwError(message, { code, category: 'usage', hint });
}

export function isMwError(value: unknown): value is MwError {
  return value instanceof MwError;
}

/** A broken promise of our own code: reported as a bug, with its own exit code. */
export function internalError(code: string, message: string): MwError {
  return new MwError(message, { code, category: 'internal', hint: 'Run again with --debug and report it as a bug.' });
}
