import type { MetriportClient } from '../metriport/client.js';
import type { RegistrationRecord } from '../state/registration-record.js';
import type { StateStore } from '../state/state-store.js';

export type RestorePlan =
  | { action: 'restore'; url: string }
  /** Nothing to put back: the account had no URL (Metriport ignores `""`), it was ours already, or it is unknown. */
  | { action: 'keep'; reason: 'no-previous-url' | 'same-url' | 'previous-unknown' }
  /** Someone changed the URL since we registered: theirs is left alone. */
  | { action: 'leave'; currentUrl: string | null };

/** Pure: what restoring means, given the record and the account's current URL. */
export function planRestore(record: RegistrationRecord, currentUrl: string | null): RestorePlan {
  if (currentUrl !== record.registeredUrl) return { action: 'leave', currentUrl };
  if (record.previousUnknown) return { action: 'keep', reason: 'previous-unknown' };
  if (record.previousUrl === null || record.previousUrl === '') return { action: 'keep', reason: 'no-previous-url' };
  if (record.previousUrl === record.registeredUrl) return { action: 'keep', reason: 'same-url' };
  return { action: 'restore', url: record.previousUrl };
}

/** Whether the listen that wrote this record is another process that still runs (then its URL is live). */
export function heldByLiveListen(
  record: RegistrationRecord,
  self: { pid: number; isProcessAlive: (pid: number, since?: Date) => boolean },
): boolean {
  return record.pid !== self.pid && self.isProcessAlive(record.pid, new Date(record.startedAt));
}

export interface RestoreOutcome {
  plan: RestorePlan;
  record: RegistrationRecord;
}

/**
 * Reads the account's URL and applies the plan for `record`, then removes that record only: the records of
 * other sessions (a takeover, a crashed one) stay in the chain for whoever ends last.
 */
export async function restoreRegistration(input: {
  client: MetriportClient;
  store: StateStore;
  record: RegistrationRecord;
}): Promise<RestoreOutcome> {
  const { client, store, record } = input;
  const current = await client.getSettings();
  const plan = planRestore(record, current.webhookUrl);
  if (plan.action === 'restore') await client.updateWebhookUrl(plan.url);
  await store.update((records) => records.filter((item) => item.id !== record.id));
  return { plan, record };
}
