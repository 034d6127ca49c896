import { setTimeout as delay } from 'node:timers/promises';
import { MwError } from '../errors.js';
import type { MetriportClient } from '../metriport/client.js';
import type { WebhookStatus } from '../metriport/types.js';
import { NEXT } from '../next-command.js';
import type { WebhookReport } from './webhook-report.js';

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

export async function startRetry(client: MetriportClient, plan: RetryPlan): Promise<void> {
  if (plan.webhookUrl === null) {
    throw new MwError(`No webhook URL is registered at ${client.target.description}, so a retry would fail again.`, {
      code: 'NO_WEBHOOK_URL',
      category: 'usage',
      hint: `Start ${NEXT} (it registers a URL), then retry from another terminal.`,
      next: { command: 'listen', sameApi: true },
    });
  }
  await client.retryFailedRequests();
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
 * count is back to where it was, not at zero.
 */
export async function waitForRetry(options: WaitForRetryOptions): Promise<RetryOutcome> {
  const deadline = options.now() + options.timeoutMs;
  for (;;) {
    const status = await options.client.getWebhookStatus();
    const processing = status?.webhookRequestsProcessing ?? 0;
    const failed = status?.webhookRequestsFailed ?? 0;
    if (status !== null) options.onProgress?.(status);
    const retrying = Math.max(0, processing - Math.max(0, options.processingBefore));
    const settled = retrying === 0;
    const timedOut = !settled && options.now() >= deadline;
    if (settled || timedOut || options.signal.aborted) {
      const known = failed >= 0 && processing >= 0;
      const delivered = known ? Math.max(0, options.failedBefore - failed - retrying) : 0;
      return { delivered, failed, processing: retrying, timedOut: timedOut || (!settled && options.signal.aborted) };
    }
    await delay(options.intervalMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
}
