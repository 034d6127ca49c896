import { setTimeout as delay } from 'node:timers/promises';
import { MwError } from '../errors.js';
import type { MetriportClient } from '../metriport/client.js';
import type { WebhookRequestRow, WebhookStatus } from '../metriport/types.js';
import { redactSecrets } from '../util/secret.js';

/** What `status` shows: the registered URL and Metriport's view of its health. */
export interface WebhookReport {
  target: string;
  webhookUrl: string | null;
  /** `null` when the account has no settings yet. */
  status: WebhookStatus | null;
  /** Secrets that must not be shown even if the API echoes them (the webhook key, the API key). */
  secrets: string[];
}

export async function readWebhookReport(client: MetriportClient, secrets: readonly string[] = []): Promise<WebhookReport> {
  // Both calls run together, but both are waited for, so a failure always reports the first call's error.
  const [settings, statusRead] = await Promise.allSettled([client.getSettings(), client.getWebhookStatus()]);
  if (settings.status === 'rejected') throw settings.reason;
  if (statusRead.status === 'rejected') throw statusRead.reason;
  const webhookKey = settings.value.webhookKey;
  const status = redactStatus(statusRead.value, [...secrets, ...(webhookKey === null ? [] : [webhookKey])]);
  return { target: client.target.description, webhookUrl: settings.value.webhookUrl, status, secrets: [...secrets] };
}

/** Metriport's status detail can quote a failed request, keys included: they are cut before anything shows it. */
function redactStatus(status: WebhookStatus | null, secrets: readonly string[]): WebhookStatus | null {
  if (status === null || status.webhookStatusDetail === null) return status;
  return { ...status, webhookStatusDetail: redactSecrets(status.webhookStatusDetail, secrets) };
}

/** The `--json` object of `status`, with Metriport's field names. */
export function statusJson(report: WebhookReport): Record<string, unknown> {
  return {
    webhookUrl: report.webhookUrl,
    webhookEnabled: report.status?.webhookEnabled ?? false,
    webhookStatusDetail: report.status?.webhookStatusDetail ?? null,
    webhookRequestsProcessing: report.status?.webhookRequestsProcessing ?? 0,
    webhookRequestsFailed: report.status?.webhookRequestsFailed ?? 0,
  };
}

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
      hint: 'Start `metriport-webhook listen` (it registers a URL), then retry from another terminal.',
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

/** Metriport's largest page; filtering happens here, so pages are read until enough rows match. */
const REQUEST_PAGE_SIZE = 500;

/** The newest webhook requests that match, at most `limit`, reading as few pages as it takes. */
export async function findWebhookRequests(
  client: MetriportClient,
  options: { limit: number; matches: (row: WebhookRequestRow) => boolean },
): Promise<WebhookRequestRow[]> {
  const found: WebhookRequestRow[] = [];
  let fromItem: string | undefined;
  for (;;) {
    const page = await client.listWebhookRequests({ count: REQUEST_PAGE_SIZE, ...(fromItem === undefined ? {} : { fromItem }) });
    for (const row of page.requests) {
      if (options.matches(row)) found.push(row);
      if (found.length >= options.limit) return found;
    }
    const next = page.meta.nextPage === undefined ? null : new URL(page.meta.nextPage).searchParams.get('fromItem');
    if (next === null || next === fromItem || page.requests.length === 0) return found;
    fromItem = next;
  }
}
