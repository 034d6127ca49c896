import { addApiOptions } from '../shared/api-options.js';
import { Command, type FlagsOf } from '../shared/commander.js';
import type { Done } from '../shared/process.js';

export function restoreCommand(done: Done) {
  const command = new Command('restore')
    .description('Put back the webhook URL that a listen which did not exit cleanly (crash, kill -9) left registered.')
    .option('--force', 'restore even though the listen that registered the URL still seems to run');
  return addApiOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  $ metriport-webhook restore
  $ metriport-webhook restore --env production`,
    )
    .action(async (flags) => {
      const { runRestoreCommand } = await import('./run.js');
      done(await runRestoreCommand(flags));
    });
}

/** The flags of `restore`, typed from the declarations above. */
export type RestoreFlags = FlagsOf<ReturnType<typeof restoreCommand>>;
