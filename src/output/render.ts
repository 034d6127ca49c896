import type { ChalkInstance } from 'chalk';
import type { HintContext } from './next-command.js';

/** How output looks this run: decided once, at the edge, from the flags and the terminal. */
export interface OutputView {
  /** `--json`: stdout carries JSON lines only. */
  json: boolean;
  /** Colours for stdout (none with --json, on a pipe, or with NO_COLOR). */
  out: ChalkInstance;
  /** Colours for stderr. */
  err: ChalkInstance;
  /** stdout is a terminal (`status --watch` redraws it). */
  stdoutIsTTY: boolean;
  /** For the commands a renderer suggests. */
  hints: HintContext;
}

/** What to print for one result or progress event: data on stdout, everything else on stderr. */
export interface Printed {
  stdout?: string;
  stderr?: string;
  /** A wait under way: a spinner's text on a terminal (not with --json), nothing elsewhere. */
  waiting?: string;
  /** The line that ends a wait: the spinner's ✔ or ✖ on a terminal, a plain stderr line elsewhere. */
  waited?: { ok: boolean; text: string };
}

/**
 * A command's words: its final result, and (for a command that reports progress as it goes) each event,
 * rendered for a terminal or for `--json`. A result with `ok: false` says that what the command did failed
 * (a delivery refused, a check failed, a retry that failed again): the README's exit code 1.
 */
export type Renderer<Result, Event = never> = {
  result(result: Result, view: OutputView): Printed;
} & ([Event] extends [never] ? unknown : { event(event: Event, view: OutputView): Printed });
