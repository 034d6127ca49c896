import { Command } from 'commander';
import { DEFAULT_HOST, DEFAULT_MAX_BODY, DEFAULT_PATH, DEFAULT_PORT } from '../config/listen-config.js';
import type { Done } from './context.js';

/** `listen`: flags only; the wiring is loaded when the command runs, to keep `--help` fast. */
export function listenCommand(done: Done): Command {
  return new Command('listen')
    .description('Receive Metriport webhooks locally: verify each request, answer pings, show and store messages.')
    .option('--host <host>', `interface to bind; keep loopback, payloads are PHI (default: ${DEFAULT_HOST})`)
    .option('--port <port>', `port to listen on; 0 picks a free one (default: ${DEFAULT_PORT})`)
    .option('--path <path>', `URL path of the webhook (default: ${DEFAULT_PATH})`)
    .option('--max-body <size>', `largest body accepted, e.g. 20mb (default: ${DEFAULT_MAX_BODY})`)
    .option('--webhook-key <key>', 'webhook key that signs requests (env: METRIPORT_WEBHOOK_KEY)')
    .option('--no-tunnel', 'local only: open no public tunnel and register nothing')
    .option('--out <dir>', 'store each message as a file holding the exact bytes received')
    .option('--jsonl <file>', 'append one JSON line per message to this file')
    .option('--json', 'print one JSON object per message on stdout instead of the terminal view')
    .option('--full', 'show whole payloads in the terminal view, not a preview')
    .option('--events <list>', 'only show and store these types or prefixes, comma-separated (e.g. medical.,patient.admit)')
    .addHelpText(
      'after',
      `
Examples:
  $ metriport-webhook listen --no-tunnel --webhook-key "$KEY"
  $ metriport-webhook listen --no-tunnel --out ./captures --events medical.
  $ metriport-webhook listen --no-tunnel --json | jq .type`,
    )
    .action(async (flags: Record<string, unknown>) => {
      const { runListenCommand } = await import('./listen-run.js');
      done(await runListenCommand(flags));
    });
}
