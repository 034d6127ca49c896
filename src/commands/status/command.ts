import { addApiOptions } from '../shared/api-options.js';
import { Command, type FlagsOf } from '../shared/commander.js';
import type { Done } from '../shared/process.js';

export function statusCommand(done: Done) {
  const command = new Command('status')
    .description("Show the account's webhook URL, its health, and how many requests are processing or failed.")
    .option('--json', "print one JSON object with Metriport's field names")
    .option('--watch', 'refresh until Ctrl-C (every 2 s; see --interval)')
    .option('--interval <duration>', 'how often --watch refreshes, e.g. 5s or 500ms (default: 2s)');
  return addApiOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  $ metriport-webhook status
  $ metriport-webhook status --json | jq .webhookRequestsFailed
  $ metriport-webhook status --watch --api-url http://127.0.0.1:4748`,
    )
    .action(async (flags) => {
      const { runStatusCommand } = await import('./run.js');
      done(await runStatusCommand(flags));
    });
}

/** The flags of `status`, typed from the declarations above. */
export type StatusFlags = FlagsOf<ReturnType<typeof statusCommand>>;
