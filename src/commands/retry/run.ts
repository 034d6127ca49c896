import { readRetryPlan, resendOne, startRetry, waitForRetry } from '../../account/retry.js';
import { findRequestByPrefix } from '../../account/webhook-requests.js';
import type { CommandInput } from '../../config/option-table.js';
import { usageError } from '../../errors.js';
import type { MetriportClient } from '../../metriport/client.js';
import { checkWebhookRequestIdOrPrefix } from '../../metriport/webhook-request-id.js';
import type { RetryEvent, RetryResult } from '../../output/commands/retry.js';
import { parseDuration } from '../../util/units.js';
import { apiFromFlags } from '../shared/api-client.js';
import type { RunContext } from '../shared/run-command.js';
import { stopOnSignals } from '../shared/signals.js';
import type { RETRY_ARGUMENTS, RETRY_OPTIONS } from './options.js';

export { renderRetry as render } from '../../output/commands/retry.js';

export type RetryInput = CommandInput<typeof RETRY_ARGUMENTS, typeof RETRY_OPTIONS>;

const DEFAULT_TIMEOUT = '60s';
const POLL_INTERVAL_MS = 1000;

/** Plan, then (unless --dry-run) start Metriport's retry of every failed request, and with --wait see it through. */
export async function run({ args, flags }: RetryInput, context: RunContext<RetryEvent>): Promise<RetryResult> {
  // Before anything, --dry-run included: an id that is not a UUID could only make a path that is not a request's.
  const given = args.id === undefined ? undefined : checkWebhookRequestIdOrPrefix(args.id, 'The id given to `retry`');
  const timeoutMs = parseDuration(flags.timeout ?? DEFAULT_TIMEOUT);
  if (timeoutMs === undefined)
    throw usageError('BAD_TIMEOUT', `--timeout "${flags.timeout}" is not a duration.`, 'Pass e.g. 90s, 5m or 1500ms.');
  if (args.id !== undefined && (flags.wait || flags.timeout !== undefined)) {
    throw usageError(
      'WAIT_WITH_ID',
      '--wait and --timeout apply to retrying all failed requests, not one.',
      `Drop them, or drop the id to retry every failed request.`,
    );
  }
  const { client, apiKey } = apiFromFlags(flags, context);
  // Every call below is given up at once on Ctrl-C (exit 130), saying what is known by then.
  const stop = stopOnSignals({});
  try {
    if (given !== undefined) {
      // A prefix is looked up first (read only, so --dry-run too); only the whole UUID found is ever sent.
      const id = given.kind === 'id' ? given.value : (await findRequestByPrefix(client, { prefix: given.value, signal: stop.signal })).id;
      return await retryOne({ id, client, dryRun: flags.dryRun === true, signal: stop.signal, secrets: [apiKey] });
    }
    const plan = await readRetryPlan(client, { secrets: [apiKey], signal: stop.signal });
    const dryRun = flags.dryRun === true;
    if (plan.failed === 0) return { kind: 'nothing-failed', plan, target: client.target.description, dryRun };
    context.emit({ type: 'planned', plan, dryRun });
    if (dryRun) return { kind: 'dry-run', plan };
    await startRetry(client, plan, { signal: stop.signal });
    context.emit({ type: 'started' });
    if (!flags.wait) return { kind: 'started', plan };
    context.emit({ type: 'waiting' });
    const outcome = await waitForRetry({
      client,
      failedBefore: plan.failed,
      processingBefore: plan.processing,
      timeoutMs,
      intervalMs: POLL_INTERVAL_MS,
      signal: stop.signal,
      now: () => Date.now(),
      onProgress: (status) =>
        context.emit({ type: 'progress', processing: status.webhookRequestsProcessing, failed: status.webhookRequestsFailed }),
    });
    return { kind: 'waited', plan, outcome, timeoutMs, ok: outcome.failed === 0 && !outcome.timedOut };
  } finally {
    stop.dispose();
  }
}

/** `retry <id>`: Metriport resends that request's payload as a new request, with a new messageId. */
async function retryOne(input: {
  id: string;
  client: MetriportClient;
  dryRun: boolean;
  signal: AbortSignal;
  secrets: string[];
}): Promise<RetryResult> {
  const { id, client } = input;
  if (input.dryRun) return { kind: 'one-dry-run', id, target: client.target.description };
  const { messageId, type } = await resendOne(client, { id, signal: input.signal, secrets: input.secrets });
  return { kind: 'one-resent', id, messageId, type };
}
