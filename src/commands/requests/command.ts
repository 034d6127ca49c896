import { addApiOptions } from '../shared/api-options.js';
import { Command, type FlagsOf } from '../shared/commander.js';
import type { Done } from '../shared/process.js';

export function requestsCommand(done: Done) {
  const command = new Command('requests')
    .description('List the webhook requests Metriport sent to your app (newest first; kept 30 days).')
    .option('--failed', 'only the failed ones')
    .option('--type <type>', 'only this meta.type, or a prefix ending in "." (e.g. medical.)')
    .option('--limit <n>', 'at most this many rows (default: 20)')
    .option('--json', "print one JSON object per request, with Metriport's field names");
  return addApiOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  $ metriport-webhook requests
  $ metriport-webhook requests --failed --type medical.
  $ metriport-webhook requests --json --limit 100 | jq -r .id
  $ metriport-webhook retry <id>            resend one of them as a new request`,
    )
    .action(async (flags) => {
      const { runRequestsCommand } = await import('./run.js');
      done(await runRequestsCommand(flags));
    });
}

/** The flags of `requests`, typed from the declarations above. */
export type RequestsFlags = FlagsOf<ReturnType<typeof requestsCommand>>;
