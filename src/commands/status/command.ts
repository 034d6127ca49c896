import { defineCommand } from '../shared/define-command.js';
import { STATUS_OPTIONS } from './options.js';

export const statusCommand = defineCommand({
  name: 'status',
  description: "Show the account's webhook URL, its health, and how many requests are processing or failed.",
  options: STATUS_OPTIONS,
  usesApi: true,
  helpText: `
Examples:
  $ metriport-webhook status
  $ metriport-webhook status --json | jq .webhookRequestsFailed
  $ metriport-webhook status --watch --api-url http://127.0.0.1:4748`,
  load: () => import('./run.js'),
});
