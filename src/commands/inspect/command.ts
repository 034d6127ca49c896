import { DEFAULT_INSPECTOR_PORT } from '../../config/defaults.js';
import { Command, type FlagsOf } from '../shared/commander.js';
import type { Done } from '../shared/process.js';

export function inspectCommand(done: Done) {
  return new Command('inspect')
    .description('Open the web inspector over a listen --out folder: every captured message, its JSON tree and exact bytes.')
    .argument('<paths...>', 'capture folders or files (listen --out)')
    .option('--port <port>', `loopback port to serve it on (default: ${DEFAULT_INSPECTOR_PORT}, or a free one when taken)`)
    .addHelpText(
      'after',
      `
The inspector listens on 127.0.0.1 only and needs the token in the printed URL. Replay needs a running
listener: use the inspector that \`listen\` serves for that.

Examples:
  $ metriport-webhook inspect ./captures
  $ metriport-webhook inspect ./captures --port 0`,
    )
    .action(async (paths, flags) => {
      const { runInspectCommand } = await import('./run.js');
      done(await runInspectCommand(paths, flags));
    });
}

/** The flags of `inspect`, typed from the declarations above. */
export type InspectFlags = FlagsOf<ReturnType<typeof inspectCommand>>;
