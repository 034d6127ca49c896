import { addApiOptions } from '../shared/api-options.js';
import { Command, type FlagsOf } from '../shared/commander.js';
import type { Done } from '../shared/process.js';

export function keyCommand(done: Done) {
  const command = new Command('key')
    .description("Show the account's webhook key (masked unless --show): what your app verifies signatures with.")
    .option('--show', 'print the whole key (it is a secret: mind where the output goes)')
    .option('--json', 'print one JSON object: {"webhookKey", "masked", "webhookUrl"}');
  return addApiOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  $ metriport-webhook key
  $ metriport-webhook key --show --api-url http://127.0.0.1:4748 --api-key local-emulator
  $ export METRIPORT_WEBHOOK_KEY="$(metriport-webhook key --show)"`,
    )
    .action(async (flags) => {
      const { runKeyCommand } = await import('./run.js');
      done(await runKeyCommand(flags));
    });
}

/** The flags of `key`, typed from the declarations above. */
export type KeyFlags = FlagsOf<ReturnType<typeof keyCommand>>;
