import { Command } from './commander.js';
import type { Done } from './context.js';

export function replayCommand(done: Done): Command {
  return new Command('replay')
    .description('Re-send captured messages (listen --out files) with their exact bytes and a fresh signature.')
    .argument('<paths...>', 'capture files, or folders of them (sent in arrival order)')
    .option('--to <url>', 'where to POST them (default: http://127.0.0.1:4747/webhook)')
    .option('--webhook-key <key>', 'key to sign with (env: METRIPORT_WEBHOOK_KEY)')
    .option('--json', 'print one JSON object per message')
    .addHelpText(
      'after',
      `
Examples:
  $ metriport-webhook replay ./captures --to http://127.0.0.1:3000/webhook --webhook-key "$KEY"
  $ metriport-webhook replay ./captures/20261128T101112345Z_000001_patient.admit_*.json`,
    )
    .action(async (paths: string[], flags: Record<string, unknown>) => {
      const { runReplayCommand } = await import('./replay-run.js');
      done(await runReplayCommand(paths, flags));
    });
}
