import { defineCommand } from '../shared/define-command.js';
import { REQUESTS_OPTIONS } from './options.js';

export const requestsCommand = defineCommand({
  name: 'requests',
  description: 'List the webhook requests Metriport sent to your app (newest first; kept 30 days).',
  options: REQUESTS_OPTIONS,
  usesApi: true,
  helpText: `
Examples:
  $ metriport-webhook requests
  $ metriport-webhook requests --failed --type medical.
  $ metriport-webhook requests --json --limit 100 | jq -r .id
  $ metriport-webhook retry <id>            resend one of them as a new request`,
  load: () => import('./run.js'),
});
