import { createRequire } from 'node:module';
import type * as CommanderModule from 'commander';

/**
 * commander, loaded with require(): it is CommonJS, and importing it from ESM makes Node scan its source
 * for named exports first, which cost about a tenth of `--help`'s start-up (BENCHMARKS.md).
 */
const commander = createRequire(import.meta.url)('commander') as typeof CommanderModule;

export const { Command, Option, CommanderError } = commander;
export type Command = CommanderModule.Command;
export type Option = CommanderModule.Option;
export type CommanderError = CommanderModule.CommanderError;
