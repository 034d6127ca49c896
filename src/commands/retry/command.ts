import { addApiOptions } from '../shared/api-options.js';
import { Command, type FlagsOf } from '../shared/commander.js';
import type { Done } from '../shared/process.js';

export function retryCommand(done: Done) {
  const command = new Command('retry')
    .description('Resend the failed webhook requests to the current URL (Metriport never retries on its own), or one request by id.')
    .argument('[id]', 'one webhook request to resend as a new request (ids from `requests`)')
    .option('--wait', 'wait until nothing is processing, then report how many were delivered and how many failed again')
    .option('--timeout <duration>', 'how long --wait waits, e.g. 90s or 5m (default: 60s)')
    .option('--dry-run', 'show what would be retried and change nothing')
    .option('--json', 'print one JSON object with the plan and the outcome');
  return addApiOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  $ metriport-webhook retry
  $ metriport-webhook retry --wait --timeout 2m
  $ metriport-webhook retry --dry-run --json
  $ metriport-webhook retry 0195d9a0-aaaa-7bbb-8ccc-000000000001     resend one (a new messageId)

Exit code: 0 when the retry started (with --wait: when none remain failed), 1 when some failed again.`,
    )
    .action(async (id, flags) => {
      const { runRetryCommand } = await import('./run.js');
      done(await runRetryCommand(id, flags));
    });
}

/** The flags of `retry`, typed from the declarations above. */
export type RetryFlags = FlagsOf<ReturnType<typeof retryCommand>>;
