import { defineCommand } from '../shared/define-command.js';
import { RETRY_ARGUMENTS, RETRY_OPTIONS } from './options.js';

export const retryCommand = defineCommand({
  name: 'retry',
  description: 'Resend the failed webhook requests to the current URL (Metriport never retries on its own), or one request by id.',
  args: RETRY_ARGUMENTS,
  options: RETRY_OPTIONS,
  usesApi: true,
  helpText: `
Examples:
  $ metriport-webhook retry
  $ metriport-webhook retry --wait --timeout 2m
  $ metriport-webhook retry --dry-run --json
  $ metriport-webhook retry 0195d9a0-aaaa-7bbb-8ccc-000000000001     resend one (a new messageId)
  $ metriport-webhook retry 0195d9a0                                 the same, by the short id the terminal shows

Exit code: 0 when the retry started (with --wait: when none remain failed), 1 when some failed again.`,
  load: () => import('./run.js'),
});
