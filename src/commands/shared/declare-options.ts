import type { ArgumentTable, OptionTable } from '../../config/option-table.js';
import { Argument, type Command, Option } from './commander.js';

/** Tells commander about a table of flags, in order: the one place a table becomes `Option`s. */
// biome-ignore lint/suspicious/noExplicitAny: any command, whatever its argument tuple and options
export function declareOptions(command: Command<any[], any, any>, table: OptionTable): void {
  for (const spec of table) {
    const option = new Option(spec.flags, spec.description);
    if (spec.choices !== undefined) option.choices(spec.choices);
    if (spec.repeatable) option.argParser((value: string, previous: string[]) => [...previous, value]).default([]);
    if (spec.group !== undefined) option.helpGroup(spec.group);
    command.addOption(option);
  }
}

/** Tells commander about a table of positional arguments, in order. */
// biome-ignore lint/suspicious/noExplicitAny: any command, whatever its argument tuple and options
export function declareArguments(command: Command<any[], any, any>, table: ArgumentTable): void {
  for (const spec of table) {
    const argument = new Argument(spec.name, spec.description);
    if (spec.choices !== undefined) argument.choices(spec.choices);
    command.addArgument(argument);
  }
}
