import { type ArgumentTable, argumentKey, type CommandInput, type FlagsOf, type OptionTable } from '../../config/option-table.js';
import type { CommandSummary } from '../../output/commands/completion.js';
import { Command } from './commander.js';
import { declareArguments, declareOptions } from './declare-options.js';
import type { Done } from './process.js';
import type { ExitCodeCommand, ResultCommand } from './run-command.js';

interface CommandSpec<Args extends ArgumentTable, Options extends OptionTable> {
  name: string;
  description: string;
  args?: Args;
  /** Every flag, from the command's table (`options.ts`, or `config/` where a resolver takes its type). */
  options: Options;
  /** Examples and notes printed after the flags by `--help`. */
  helpText: string;
  /** It talks to Metriport's API: the commands it suggests carry the flags that reached that API. Only with the API options in its table. */
  usesApi?: 'apiUrl' extends keyof FlagsOf<Options> ? boolean : false;
}

/**
 * One command of the program, built from its tables: commander is told its arguments and flags, and when it
 * runs, `load` brings in its `run.js` (nothing heavier than commander and the tables is loaded for `--help`)
 * and the edge (`run-command.ts`) runs it. Returns what `cli.ts` adds to the program.
 */
export function defineCommand<const Args extends ArgumentTable, const Options extends OptionTable, Result, Event>(
  spec: CommandSpec<Args, Options> & { load: () => Promise<ResultCommand<CommandInput<Args, Options>, Result, Event>> },
): (done: Done) => Command;
export function defineCommand<const Args extends ArgumentTable, const Options extends OptionTable>(
  spec: CommandSpec<Args, Options> & { load: () => Promise<ExitCodeCommand<CommandInput<Args, Options>>> },
): (done: Done) => Command;
export function defineCommand(
  spec: CommandSpec<ArgumentTable, OptionTable> & {
    // biome-ignore lint/suspicious/noExplicitAny: the implementation of the two signatures above
    load: () => Promise<ResultCommand<any, any, any> | ExitCodeCommand<any>>;
  },
): (done: Done) => Command {
  return (done) => {
    const command = new Command(spec.name).description(spec.description);
    declareArguments(command, spec.args ?? []);
    declareOptions(command, spec.options);
    command.addHelpText('after', spec.helpText);
    command.action(async (...params: unknown[]) => {
      const self = params.at(-1) as Command;
      const args = Object.fromEntries((spec.args ?? []).map((arg, index) => [argumentKey(arg.name), params[index]]));
      const [loaded, edge] = await Promise.all([spec.load(), import('./run-command.js')]);
      done(
        await edge.runCommand(
          loaded,
          { args, flags: self.opts() },
          { usesApi: spec.usesApi === true, commands: () => summarise(self.parent ?? self) },
        ),
      );
    });
    return command;
  };
}

interface ProgramTree {
  commands: readonly {
    name(): string;
    description(): string;
    options: readonly { long?: string; short?: string; required?: boolean; optional?: boolean; argChoices?: string[] }[];
  }[];
}

function summarise(program: ProgramTree): CommandSummary[] {
  return program.commands.map((command) => ({
    name: command.name(),
    description: command.description(),
    flags: command.options
      .flatMap((option) => [option.long, option.short].filter((flag): flag is string => flag !== undefined))
      .concat('--help'),
    // Flags that take a value: the next word is theirs (completed from its choices, else left to the shell).
    takesValue: Object.fromEntries(
      command.options
        .filter((option) => option.long !== undefined && (option.required === true || option.optional === true))
        .map((option) => [option.long as string, option.argChoices ?? []]),
    ),
  }));
}
