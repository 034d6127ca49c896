import { createRequire } from 'node:module';
import type * as TypedCommander from '@commander-js/extra-typings';

/**
 * commander, loaded with require(): it is CommonJS, and importing it from ESM makes Node scan its source
 * for named exports first, which cost about a tenth of `--help`'s start-up (BENCHMARKS.md).
 *
 * Typed with @commander-js/extra-typings (a types-only use: at run time its classes are commander's own).
 * Commands declare their flags through option tables (`config/option-table.ts`), whose types are derived
 * from the same spellings.
 */
const commander = createRequire(import.meta.url)('commander') as typeof TypedCommander;

export const { Argument, Command, Option, CommanderError } = commander;
// commander's own generic signature: `any[]` arguments and `{}` option defaults, so every command is assignable here.
export type Command<
  // biome-ignore lint/suspicious/noExplicitAny: commander's own bound for argument tuples
  Args extends any[] = [],
  // biome-ignore lint/complexity/noBannedTypes: commander's own default (no options yet)
  Opts extends TypedCommander.OptionValues = {},
  // biome-ignore lint/complexity/noBannedTypes: commander's own default (no global options)
  Globals extends TypedCommander.OptionValues = {},
> = TypedCommander.Command<Args, Opts, Globals>;
export type CommanderError = TypedCommander.CommanderError;
export type OptionValues = TypedCommander.OptionValues;
