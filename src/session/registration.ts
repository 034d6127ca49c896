import { MwError } from '../errors.js';
import type { MetriportClient } from '../metriport/client.js';
import { type RegistrationRecord, type StateStore, describeRestore, restoreRegistration } from './restore.js';
import type { SessionEvent } from './events.js';

export interface RegistrationDependencies {
  client: MetriportClient;
  store: StateStore;
  /** This process, written into the record so others can tell a live listener from a crashed one. */
  pid: number;
  isProcessAlive: (pid: number) => boolean;
  /** Asked before replacing the URL (production without `--yes`); absent when no confirmation is needed. */
  confirm?: (question: { currentUrl: string | null; newUrl: string; target: string }) => Promise<boolean>;
  publish: (event: SessionEvent) => void;
  now: () => Date;
  /** Told the webhook key as soon as it is known (GET /settings already has it when the account has one). */
  onWebhookKey: (key: string) => void;
}

export interface RegistrationResult {
  record: RegistrationRecord;
  webhookKey: string | null;
}

/**
 * Registers `webhookUrl` with Metriport, safely: a crashed earlier listener is undone first, a live one is
 * not overridden without `force`, and the record needed to restore is on disk before the account changes.
 */
export async function registerWebhookUrl(
  options: { webhookUrl: string; force: boolean },
  deps: RegistrationDependencies,
): Promise<RegistrationResult> {
  const { client, store, publish, now } = deps;
  const target = client.target;
  let inheritedPreviousUrl: string | null | undefined;

  const existing = await store.read();
  if (existing !== undefined && existing.pid !== deps.pid && deps.isProcessAlive(existing.pid)) {
    if (!options.force) {
      throw new MwError(`Another listen (pid ${existing.pid}) has ${existing.registeredUrl} registered at ${target.description}.`, {
        code: 'LISTEN_ALREADY_RUNNING',
        category: 'usage',
        hint: 'Stop that listen first (it restores the URL on exit), or pass --force to take the URL over.',
      });
    }
    inheritedPreviousUrl = existing.previousUrl;
    publish({ type: 'warning', at: now(), message: `Taking the webhook URL over from listen pid ${existing.pid} (--force).` });
  } else if (existing !== undefined) {
    publish({
      type: 'warning',
      at: now(),
      message: `A listen (pid ${existing.pid}, started ${existing.startedAt}) ended without restoring the webhook URL; restoring it first.`,
    });
    const outcome = await restoreRegistration({ client, store, record: existing });
    publish({ type: 'restored', at: now(), message: describeRestore(outcome), changed: outcome.plan.action === 'restore' });
  }

  const settings = await client.getSettings();
  if (settings.webhookKey !== null) deps.onWebhookKey(settings.webhookKey);
  const previousUrl = inheritedPreviousUrl !== undefined ? inheritedPreviousUrl : settings.webhookUrl;
  if (deps.confirm !== undefined) {
    const yes = await deps.confirm({ currentUrl: settings.webhookUrl, newUrl: options.webhookUrl, target: target.description });
    if (!yes) {
      throw new MwError(`Left the webhook URL of ${target.description} unchanged.`, {
        code: 'REGISTRATION_DECLINED',
        category: 'usage',
        hint: 'Run listen again and confirm, pass --yes, or use --no-register.',
      });
    }
  }

  const record: RegistrationRecord = {
    environment: target.environment,
    apiUrl: target.baseUrl,
    previousUrl,
    registeredUrl: options.webhookUrl,
    pid: deps.pid,
    startedAt: now().toISOString(),
  };
  await store.write(record);
  let updated;
  try {
    updated = await client.updateWebhookUrl(options.webhookUrl);
  } catch (error) {
    // Nothing changed on the account, so there is nothing to restore later.
    await store.remove();
    throw error;
  }
  if (updated.webhookKey !== null) deps.onWebhookKey(updated.webhookKey);
  publish({ type: 'registered', at: now(), webhookUrl: options.webhookUrl, previousUrl, target: target.description });
  return { record, webhookKey: updated.webhookKey };
}
