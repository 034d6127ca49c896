import { planRetry, type RetryOutcome, startRetry, waitForRetry } from '../../account/retry.js';
import { readWebhookReport } from '../../account/webhook-report.js';
import { usageError } from '../../errors.js';
import type { MetriportClient } from '../../metriport/client.js';
import { checkWebhookRequestId } from '../../metriport/webhook-request-id.js';
import { visible } from '../../output/visible.js';
import { isRecord } from '../../util/json.js';
import { parseDuration } from '../../util/units.js';
import { clientFromFlags } from '../shared/api-client.js';
import { type CommandContext, processContext } from '../shared/process.js';
import { stopOnSignals } from '../shared/signals.js';
import { spinnerMaker } from '../shared/spinner.js';
import type { RetryFlags } from './command.js';

const DEFAULT_TIMEOUT = '60s';
const POLL_INTERVAL_MS = 1000;

export async function runRetryCommand(id: string | undefined, flags: RetryFlags): Promise<number> {
  const context = processContext();
  if (id !== undefined) checkWebhookRequestId(id, 'The id given to `retry`');
  const timeoutMs = parseDuration(flags.timeout ?? DEFAULT_TIMEOUT);
  if (timeoutMs === undefined)
    throw usageError('BAD_TIMEOUT', `--timeout "${flags.timeout}" is not a duration.`, 'Pass e.g. 90s, 5m or 1500ms.');
  if (id !== undefined && (flags.wait || flags.timeout !== undefined)) {
    throw usageError(
      'WAIT_WITH_ID',
      '--wait and --timeout apply to retrying all failed requests, not one.',
      `Drop them, or drop the id to retry every failed request.`,
    );
  }
  const client = clientFromFlags(flags, context);
  if (id !== undefined) return retryOne({ id, client, flags, context });
  const plan = planRetry(await readWebhookReport(client));
  const say = (line: string) => context.stderr.write(`${line}\n`);
  const result: Record<string, unknown> = {
    webhookUrl: plan.webhookUrl,
    failedBefore: plan.failed,
    dryRun: flags.dryRun === true,
    started: false,
  };
  const finish = (code: number) => {
    if (flags.json) context.stdout.write(`${JSON.stringify(result)}\n`);
    return code;
  };

  if (plan.failed === 0) {
    say(`Nothing to retry: no failed requests at ${client.target.description}.`);
    return finish(0);
  }
  const count = plan.failed < 0 ? 'the failed requests (Metriport could not count them)' : `${plan.failed} failed request(s)`;
  say(`${flags.dryRun ? 'Would retry' : 'Retrying'} ${count} to ${plan.webhookUrl ?? '(no URL registered)'}.`);
  if (flags.dryRun) return finish(0);

  await startRetry(client, plan);
  result.started = true;
  say('Retry started: Metriport resends them one at a time, oldest first.');
  if (!flags.wait) return finish(0);

  const stop = stopOnSignals({ stderr: context.stderr });
  const spinner = (await spinnerMaker({ enabled: !flags.json, stream: context.stderr }))('Waiting for the retry to finish…');
  let outcome: RetryOutcome;
  try {
    outcome = await waitForRetry({
      client,
      failedBefore: plan.failed,
      processingBefore: plan.processing,
      timeoutMs,
      intervalMs: POLL_INTERVAL_MS,
      signal: stop.signal,
      now: () => Date.now(),
      onProgress: (status) =>
        spinner.update(`Waiting for the retry: ${status.webhookRequestsProcessing} processing, ${status.webhookRequestsFailed} failed`),
    });
  } finally {
    stop.dispose();
  }
  Object.assign(result, outcome);
  const summary = `${outcome.delivered} delivered, ${outcome.failed} failed again${outcome.processing > 0 ? `, ${outcome.processing} still processing` : ''}.`;
  if (outcome.timedOut)
    spinner.fail(`Stopped waiting after ${timeoutMs / 1000} s: ${summary} Check again with \`${context.invocation} status\`.`);
  else if (outcome.failed === 0) spinner.succeed(`Retry finished: ${summary}`);
  else
    spinner.fail(
      `Retry finished: ${summary} Run \`${context.invocation} status\` (or \`${context.invocation} requests --failed\`) to see why.`,
    );
  return finish(outcome.failed === 0 && !outcome.timedOut ? 0 : 1);
}

/** `retry <id>`: Metriport resends that request's payload as a new request, with a new messageId. */
async function retryOne(input: { id: string; client: MetriportClient; flags: RetryFlags; context: CommandContext }): Promise<number> {
  const { id, client, flags, context } = input;
  if (flags.dryRun) {
    context.stderr.write(`Would resend webhook request ${id} as a new request via ${client.target.description}.\n`);
    if (flags.json) context.stdout.write(`${JSON.stringify({ id, dryRun: true, started: false })}\n`);
    return 0;
  }
  const sent = await client.retryWebhookRequest(id);
  const meta = isRecord(sent.meta) ? sent.meta : {};
  const messageId = typeof meta.messageId === 'string' ? meta.messageId : null;
  if (flags.json) context.stdout.write(`${JSON.stringify({ id, dryRun: false, started: true, messageId, type: meta.type ?? null })}\n`);
  else
    context.stderr.write(
      `Resent ${visible(String(meta.type ?? 'the request'))} ${id} as a new request: messageId ${visible(messageId ?? '(not given)')}. Check it with \`requests\`.\n`,
    );
  return 0;
}
