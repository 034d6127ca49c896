import { setTimeout as delay } from 'node:timers/promises';
import { isMwError, MwError } from '../errors.js';
import { type MetriportClient, STOPPED } from '../metriport/client.js';
import type { WebhookStatus } from '../metriport/types.js';
import { NEXT } from '../next-command.js';
import { isRecord } from '../util/json.js';
import { redactSecrets } from '../util/secret.js';
import { readWebhookReport, type WebhookReport } from './webhook-report.js';

/** What `retry` is about to do: shown (and with `--dry-run`, only shown) before anything changes. */
export interface RetryPlan {
  webhookUrl: string | null;
  /** `-1` when Metriport could not count. */
  failed: number;
  processing: number;
}

export function planRetry(report: WebhookReport): RetryPlan {
  return {
    webhookUrl: report.webhookUrl,
    failed: report.status?.webhookRequestsFailed ?? 0,
    processing: report.status?.webhookRequestsProcessing ?? 0,
  };
}

/** The plan, from a read of the account whose text is cut of `secrets`; a stop during it says nothing was retried. */
export async function readRetryPlan(client: MetriportClient, options: { secrets: string[]; signal: AbortSignal }): Promise<RetryPlan> {
  try {
    return planRetry(await readWebhookReport(client, options.secrets, { signal: options.signal }));
  } catch (error) {
    if (!isStop(error)) throw error;
    throw new MwError(`${error.message} Nothing was retried.`, { code: STOPPED, category: 'interrupted', cause: error });
  }
}

export async function startRetry(
  client: MetriportClient,
  plan: RetryPlan,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<void> {
  if (plan.webhookUrl === null) {
    throw new MwError(`No webhook URL is registered at ${client.target.description}, so a retry would fail again.`, {
      code: 'NO_WEBHOOK_URL',
      category: 'usage',
      hint: `Start ${NEXT} (it registers a URL), then retry from another terminal.`,
      next: { command: 'listen', sameApi: true },
    });
  }
  try {
    await client.retryFailedRequests({ signal: options.signal });
  } catch (error) {
    if (!isStop(error)) throw error;
    throw new MwError(
      `Stopped before ${client.target.description} answered the retry of ${plan.failed < 0 ? 'the' : plan.failed} failed request(s).`,
      {
        code: STOPPED,
        category: 'interrupted',
        hint: `It may have started all the same: check with ${NEXT} before retrying again.`,
        next: { command: 'status', sameApi: true },
        cause: error,
      },
    );
  }
}

/**
 * `retry <id>`: Metriport resends that request's payload as a new request, with a new messageId; what it
 * answers is cut of `secrets` (it can echo the key). A stop says it may have been resent all the same.
 */
export async function resendOne(
  client: MetriportClient,
  input: { id: string; signal: AbortSignal; secrets: readonly string[] },
): Promise<{ messageId: string | null; type: unknown }> {
  let sent: Record<string, unknown>;
  try {
    sent = await client.retryWebhookRequest(input.id, { signal: input.signal });
  } catch (error) {
    if (!isStop(error)) throw error;
    throw new MwError(`Stopped before ${client.target.description} answered the resend of webhook request ${input.id}.`, {
      code: STOPPED,
      category: 'interrupted',
      hint: `It may have been resent all the same: check with ${NEXT} before retrying again.`,
      next: { command: 'requests', sameApi: true },
      cause: error,
    });
  }
  const meta = isRecord(sent.meta) ? sent.meta : {};
  const cut = (value: unknown) => (typeof value === 'string' ? redactSecrets(value, input.secrets) : value);
  return { messageId: typeof meta.messageId === 'string' ? redactSecrets(meta.messageId, input.secrets) : null, type: cut(meta.type) };
}

function isStop(error: unknown): error is MwError {
  return isMwError(error) && error.code === STOPPED;
}

export interface RetryOutcome {
  delivered: number;
  failed: number;
  processing: number;
  timedOut: boolean;
}

export interface WaitForRetryOptions {
  client: MetriportClient;
  failedBefore: number;
  /** Requests already processing before the retry (normal sends, or stuck ones): not waited for. */
  processingBefore: number;
  timeoutMs: number;
  /** Between two status reads, in ms. */
  intervalMs: number;
  signal: AbortSignal;
  now: () => number;
  onProgress?: (status: WebhookStatus) => void;
}

/**
 * Polls the webhook status until the retried requests are no longer processing, or the timeout passes. A
 * request that was stuck in "processing" before the retry stays counted there, so the wait ends when the
 * count is back to where it was, not at zero. A stop (the signal) ends the wait at once, the read in flight
 * included, with an `interrupted` error that says how far the retry had got when last read.
 */
export async function waitForRetry(options: WaitForRetryOptions): Promise<RetryOutcome> {
  const deadline = options.now() + options.timeoutMs;
  let last: RetryOutcome | undefined;
  for (;;) {
    let status: WebhookStatus | null;
    try {
      status = await options.client.getWebhookStatus({ signal: options.signal });
    } catch (error) {
      if (isStop(error)) throw stoppedWaiting(options.client, last, error);
      throw error;
    }
    const processing = status?.webhookRequestsProcessing ?? 0;
    const failed = status?.webhookRequestsFailed ?? 0;
    if (status !== null) options.onProgress?.(status);
    const retrying = Math.max(0, processing - Math.max(0, options.processingBefore));
    const known = failed >= 0 && processing >= 0;
    const delivered = known ? Math.max(0, options.failedBefore - failed - retrying) : 0;
    last = { delivered, failed, processing: retrying, timedOut: false };
    const settled = retrying === 0;
    const timedOut = !settled && options.now() >= deadline;
    if (settled || timedOut) return { ...last, timedOut };
    await delay(options.intervalMs, undefined, { signal: options.signal }).catch(() => undefined);
    if (options.signal.aborted) throw stoppedWaiting(options.client, last);
  }
}

function stoppedWaiting(client: MetriportClient, last: RetryOutcome | undefined, cause?: unknown): MwError {
  const known =
    last === undefined
      ? 'before Metriport said how it went'
      : `when last read, ${last.delivered} delivered, ${last.failed} failed again, ${last.processing} still processing`;
  return new MwError(`Stopped waiting for the retry at ${client.target.description} ${known}; Metriport goes on resending them.`, {
    code: STOPPED,
    category: 'interrupted',
    hint: `Check how it ends with ${NEXT}.`,
    next: { command: 'status', sameApi: true },
    cause,
  });
}
