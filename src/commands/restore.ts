import { Command } from './commander.js';
import { addApiOptions } from './api-options.js';
import type { Done } from './context.js';

export function restoreCommand(done: Done): Command {
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
    .action(async (flags: Record<string, unknown>) => {
      const { runRestoreCommand } = await import('./restore-run.js');
      done(await runRestoreCommand(flags));
    });
}
