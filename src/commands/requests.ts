import { Command } from './commander.js';
import { addApiOptions } from './api-options.js';
import type { Done } from './context.js';

export function requestsCommand(done: Done): Command {
  const command = new Command('requests')
    .description('List the webhook requests Metriport sent to your app (newest first; kept 30 days).')
    .option('--failed', 'only the failed ones')
    .option('--type <type>', 'only this meta.type, or a prefix ending in "." (e.g. medical.)')
    .option('--limit <n>', 'at most this many rows (default: 20)')
    .option('--json', 'print one JSON object per request, with Metriport\'s field names');
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
    .action(async (flags: Record<string, unknown>) => {
      const { runRequestsCommand } = await import('./requests-run.js');
      done(await runRequestsCommand(flags));
    });
}
