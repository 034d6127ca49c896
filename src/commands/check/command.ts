import { defineCommand } from '../shared/define-command.js';
import { CHECK_ARGUMENTS, CHECK_OPTIONS } from './options.js';

export const checkCommand = defineCommand({
  name: 'check',
  description: "Check your own webhook endpoint against Metriport's requirements, with signed invented samples, and print a report card.",
  args: CHECK_ARGUMENTS,
  options: CHECK_OPTIONS,
  usesApi: true,
  helpText: `
Checks run in order (reachable, redirects, speed, signatures, ping, raw-bytes, shapes, types, idempotency,
size, concurrency); one whose prerequisite failed says "not judged" instead of failing for another reason.

Examples:
  $ metriport-webhook check http://127.0.0.1:3000/webhook --webhook-key "$KEY"
  $ npx metriport-webhook check http://127.0.0.1:3000/webhook --junit webhook-check.xml   # in CI
  $ metriport-webhook check https://app.example.com/webhook --only raw-bytes --json

Exit code: 0 when no check fails (warnings do not fail), 1 when one fails, 2 for usage errors, 130 on Ctrl-C.`,
  load: () => import('./run.js'),
});
