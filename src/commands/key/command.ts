import { defineCommand } from '../shared/define-command.js';
import { KEY_OPTIONS } from './options.js';

export const keyCommand = defineCommand({
  name: 'key',
  description: "Show the account's webhook key (masked unless --show): what your app verifies signatures with.",
  options: KEY_OPTIONS,
  usesApi: true,
  helpText: `
Examples:
  $ metriport-webhook key
  $ metriport-webhook key --show --api-url http://127.0.0.1:4748 --api-key local-emulator
  $ export METRIPORT_WEBHOOK_KEY="$(metriport-webhook key --show)"`,
  load: () => import('./run.js'),
});
