import { realpathSync } from 'node:fs';
import { CHECK_IDS } from '../../check/check-ids.js';
import type { CommandInput } from '../../config/option-table.js';
import { FAULTS } from '../../emulator/medical/faults.js';
import type { CompletionResult } from '../../output/commands/completion.js';
import { listSampleTypes } from '../../samples/samples.js';
import { invocation } from '../shared/invocation.js';
import type { RunContext } from '../shared/run-command.js';
import type { COMPLETION_ARGUMENTS } from './options.js';

export { renderCompletion as render } from '../../output/commands/completion.js';

export type CompletionInput = CommandInput<typeof COMPLETION_ARGUMENTS, []>;

/**
 * What a completion script needs to know: the program's commands and flags, the values some flags take (message
 * types and their families, check names, faults), and how to name the CLI when it is not on PATH.
 */
export async function run({ args }: CompletionInput, context: RunContext): Promise<CompletionResult> {
  const types = listSampleTypes();
  const families = [...new Set(types.filter((type) => type.includes('.')).map((type) => `${type.split('.')[0]}.`))];
  const messageTypes = [...families, ...types.filter((type) => type !== 'ping')];
  const shown = invocation(context.env);
  return {
    shell: args.shell,
    commands: context.commands(),
    types,
    values: { '--events': messageTypes, '--type': messageTypes, '--only': [...CHECK_IDS], '--faults': Object.keys(FAULTS) },
    // From a clone (`node bin/…`), the script names the CLI by its full path, so it works from any folder.
    alias: shown === 'metriport-webhook' ? undefined : [process.execPath, realpathSync(process.argv[1] ?? '')],
  };
}
