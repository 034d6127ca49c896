import type { CommandInput } from '../../config/option-table.js';
import type { CompletionResult } from '../../output/commands/completion.js';
import { listSampleTypes } from '../../samples/samples.js';
import type { RunContext } from '../shared/run-command.js';
import type { COMPLETION_ARGUMENTS } from './options.js';

export { renderCompletion as render } from '../../output/commands/completion.js';

export type CompletionInput = CommandInput<typeof COMPLETION_ARGUMENTS, []>;

/** What a completion script needs to know: the program's commands and flags, and the sample message types. */
export async function run({ args }: CompletionInput, context: RunContext): Promise<CompletionResult> {
  return { shell: args.shell, commands: context.commands(), types: listSampleTypes() };
}
