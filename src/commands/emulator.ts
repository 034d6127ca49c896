import { Command } from './commander.js';
import type { Done } from './context.js';

/** Default port of the standalone emulator: next to listen's 4747. */
export const DEFAULT_EMULATOR_PORT = 4748;

export function emulatorCommand(done: Done): Command {
  return new Command('emulator')
    .description("Run a local stand-in for Metriport's settings and webhook API (no account, no network).")
    .option('--port <port>', `port; 0 picks a free one (default: ${DEFAULT_EMULATOR_PORT})`)
    .option('--host <host>', 'interface to bind (default: 127.0.0.1)')
    .option('--api-key <key>', 'the x-api-key it accepts (default: local-emulator)')
    .option('--allow-local-urls', 'accept webhook URLs on this machine, which Metriport refuses')
    .addHelpText(
      'after',
      `
Examples:
  $ metriport-webhook emulator --allow-local-urls
  $ metriport-webhook listen --public-url http://127.0.0.1:4747 --api-url http://127.0.0.1:4748 --api-key local-emulator
  $ curl -X POST -H 'x-api-key: local-emulator' -d '{"type":"patient.admit"}' \\
      -H 'content-type: application/json' http://127.0.0.1:4748/emulator/messages`,
    )
    .action(async (flags: Record<string, unknown>) => {
      const { runEmulatorCommand } = await import('./emulator-run.js');
      done(await runEmulatorCommand(flags));
    });
}
