import { type FlagMap, NEXT, type NextCommand } from '../next-command.js';
import { quoteForShell } from '../util/shell.js';
import { visible } from './visible.js';

/** What a suggested command needs from the run that suggests it. */
export interface HintContext {
  /** How the user ran the CLI: `metriport-webhook`, `npx metriport-webhook`, `node bin/metriport-webhook.js`. */
  invocation: string;
  /** The flags that reached the API this run used, for commands with `sameApi`. */
  api?: FlagMap | undefined;
  /** The flags that name that API whatever chose it, for commands with `sameApi` and `nameApi` (else `api`). */
  namedApi?: FlagMap | undefined;
}

/**
 * The one place a suggested command becomes text: `<invocation> <command> <args> <flags>`, each value
 * shell-quoted (and made visible-safe: an id or URL can come from the API), a secret as `<what to fill in>`.
 */
export function commandLine(next: NextCommand, context: HintContext): string {
  const flags: FlagMap = { ...next.flags, ...(next.sameApi ? apiFlags(next, context) : undefined) };
  const words = [next.command, ...(next.args ?? []).map(shellWord)];
  for (const [flag, value] of Object.entries(flags)) {
    if (value === true) words.push(flag);
    else if (typeof value === 'string') words.push(flag, shellWord(value));
    else words.push(flag, `<${value.fillIn}>`);
  }
  return `${context.invocation} ${words.join(' ')}`;
}

/** The flags a `sameApi` command adds: the ones that name the API when it asks for them and they are known. */
export function apiFlags(next: NextCommand, context: HintContext): FlagMap | undefined {
  return next.nameApi && context.namedApi !== undefined ? context.namedApi : context.api;
}

/** An error's hint with its command in backticks where the sentence says `{next}` (or after it, if it does not). */
export function hintSentence(hint: string | undefined, next: NextCommand | undefined, context: HintContext): string | undefined {
  if (next === undefined) return hint;
  const command = `\`${commandLine(next, context)}\``;
  if (hint === undefined) return `Run ${command}.`;
  return hint.includes(NEXT) ? hint.replace(NEXT, command) : `${hint} Run ${command}.`;
}

/** How sh spells a quote inside single quotes: close them, an escaped quote, open them again. */
/** A word the shell passes on unchanged, control characters shown escaped (it is printed). */
export function shellWord(text: string): string {
  return quoteForShell(visible(text));
}
