import { addApiOptions } from '../shared/api-options.js';
import { Command, type FlagsOf } from '../shared/commander.js';
import type { Done } from '../shared/process.js';

export function replayCommand(done: Done) {
  const command = new Command('replay')
    .description('Re-send captured messages (listen --out files) with their exact bytes and a fresh signature.')
    .argument('<paths...>', 'capture files, or folders of them (sent in arrival order)')
    .option('--to <url>', 'where to POST them (default: http://127.0.0.1:4747/webhook)')
    .option('--webhook-key <key>', 'key to sign with (env: METRIPORT_WEBHOOK_KEY; else read from the account when an API key is given)')
    .option('--json', 'print one JSON object per message');
  return addApiOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  $ metriport-webhook replay ./captures --to http://127.0.0.1:3000/webhook --webhook-key "$KEY"
  $ metriport-webhook replay ./captures --api-url http://127.0.0.1:4748 --api-key local-emulator   (key read from the account)
  $ metriport-webhook replay ./captures/20261128T101112345Z_000001_patient.admit_*.json`,
    )
    .action(async (paths, flags) => {
      const { runReplayCommand } = await import('./run.js');
      done(await runReplayCommand(paths, flags));
    });
}

/** The flags of `replay`, typed from the declarations above. */
export type ReplayFlags = FlagsOf<ReturnType<typeof replayCommand>>;
