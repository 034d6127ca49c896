import { defineCommand } from '../shared/define-command.js';
import { CHECK_ARGUMENTS, CHECK_OPTIONS } from './options.js';

export const checkCommand = defineCommand({
  name: 'check',
  description: "Check your own webhook endpoint against Metriport's requirements, with signed invented samples, and print a report card.",
  args: CHECK_ARGUMENTS,
  options: CHECK_OPTIONS,
  usesApi: true,
  helpText: `
Examples:
  $ metriport-webhook check http://127.0.0.1:3000/webhook --webhook-key "$KEY"
  $ npx metriport-webhook check http://127.0.0.1:3000/webhook --json      # in CI
  $ metriport-webhook check https://app.example.com/webhook --only ping,raw-bytes

Exit code: 0 when every check passes, 1 when one fails, 2 for usage errors.`,
  load: () => import('./run.js'),
});
