import { DEFAULT_EMULATOR_PORT } from '../../config/defaults.js';
import { Command, type FlagsOf } from '../shared/commander.js';
import type { Done } from '../shared/process.js';

export function emulatorCommand(done: Done) {
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
    .action(async (flags) => {
      const { runEmulatorCommand } = await import('./run.js');
      done(await runEmulatorCommand(flags));
    });
}

/** The flags of `emulator`, typed from the declarations above. */
export type EmulatorFlags = FlagsOf<ReturnType<typeof emulatorCommand>>;
