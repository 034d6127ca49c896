import type { MetriportClient } from '../metriport/client.js';
import type { WebhookStatus } from '../metriport/types.js';
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

/**
 * Reads the account's URL and webhook health. What the API says is cut of every secret known (`secrets`, and
 * the account's webhook key): its status detail and its URL can quote them. `signal` gives both reads up.
 */
export async function readWebhookReport(
  client: MetriportClient,
  secrets: readonly string[] = [],
  options: { signal?: AbortSignal | undefined } = {},
): Promise<WebhookReport> {
  // Both calls run together, but both are waited for, so a failure always reports the first call's error.
  const [settings, statusRead] = await Promise.allSettled([
    client.getSettings({ signal: options.signal }),
    client.getWebhookStatus({ signal: options.signal }),
  ]);
  if (settings.status === 'rejected') throw settings.reason;
  if (statusRead.status === 'rejected') throw statusRead.reason;
  const webhookKey = settings.value.webhookKey;
  const known = [...secrets, ...(webhookKey === null ? [] : [webhookKey])];
  const webhookUrl = settings.value.webhookUrl === null ? null : redactSecrets(settings.value.webhookUrl, known);
  return { target: client.target.description, webhookUrl, status: redactStatus(statusRead.value, known), secrets: known };
}

/** Metriport's status detail can quote a failed request, keys included: they are cut before anything shows it. */
function redactStatus(status: WebhookStatus | null, secrets: readonly string[]): WebhookStatus | null {
  if (status === null || status.webhookStatusDetail === null) return status;
  return { ...status, webhookStatusDetail: redactSecrets(status.webhookStatusDetail, secrets) };
}
