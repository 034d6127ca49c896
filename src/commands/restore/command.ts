import { defineCommand } from '../shared/define-command.js';
import { RESTORE_OPTIONS } from './options.js';

export const restoreCommand = defineCommand({
  name: 'restore',
  description: 'Put back the webhook URL that a listen which did not exit cleanly (crash, kill -9) left registered.',
  options: RESTORE_OPTIONS,
  usesApi: true,
  helpText: `
Examples:
  $ metriport-webhook restore
  $ metriport-webhook restore --env production`,
  load: () => import('./run.js'),
});
