import { addApiOptions } from '../shared/api-options.js';
import { Command, type FlagsOf } from '../shared/commander.js';
import type { Done } from '../shared/process.js';

export function checkCommand(done: Done) {
  const command = new Command('check')
    .description("Check your own webhook endpoint against Metriport's requirements, with signed invented samples, and print a report card.")
    .argument('<url>', 'your endpoint, e.g. http://127.0.0.1:3000/webhook or its public URL')
    .option(
      '--webhook-key <key>',
      'the key your endpoint verifies with (env: METRIPORT_WEBHOOK_KEY; else read from the account when an API key is given)',
    )
    .option('--only <checks>', 'comma-separated: ping, refusals, raw-bytes, types, speed, redirects, idempotency, size')
    .option('--json', 'print one JSON object per check');
  return addApiOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  $ metriport-webhook check http://127.0.0.1:3000/webhook --webhook-key "$KEY"
  $ npx metriport-webhook check http://127.0.0.1:3000/webhook --json      # in CI
  $ metriport-webhook check https://app.example.com/webhook --only ping,raw-bytes

Exit code: 0 when every check passes, 1 when one fails, 2 for usage errors.`,
    )
    .action(async (url, flags) => {
      const { runCheckCommand } = await import('./run.js');
      done(await runCheckCommand(url, flags));
    });
}

export type CheckFlags = FlagsOf<ReturnType<typeof checkCommand>>;
