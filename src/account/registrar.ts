import { randomUUID } from 'node:crypto';
import { isMwError, MwError } from '../errors.js';
import type { CallOptions, MetriportClient } from '../metriport/client.js';
import type { ApiTarget } from '../metriport/target.js';
import type { Settings, WebhookStatus } from '../metriport/types.js';
import { NEXT } from '../next-command.js';
import type { RegistrationRecord } from '../state/registration-record.js';
import type { StateStore } from '../state/state-store.js';
import type { AccountEvent } from './account-events.js';
import { heldByLiveListen, type RestoreOutcome, restoreRegistration } from './restore.js';

/**
 * Everything `listen` does to the account, behind one handle the command builds: register a URL (safely),
 * put the previous one back, and read Metriport's verdict on the webhook.
 */
export interface Registrar {
  readonly target: ApiTarget;
  /**
   * Registers `webhookUrl`: a crashed earlier listen is undone first, a live one is not overridden without
   * `force`, and the record needed to restore is on disk before the account changes. `onWebhookKey` hears the
   * key as soon as it is known.
   */
  register(input: { webhookUrl: string; onWebhookKey: (key: string) => void; signal?: AbortSignal }): Promise<RegistrationRecord>;
  /** Puts the previous URL back (unless `keepUrl`), only if the account still has ours. */
  restore(record: RegistrationRecord): Promise<void>;
  /** `GET /settings/webhook`; `null` when the account has no settings yet. */
  readHealth(options?: CallOptions): Promise<WebhookStatus | null>;
}

export interface RegistrarOptions {
  keepUrl: boolean;
  force: boolean;
}

export interface RegistrarDependencies {
  client: MetriportClient;
  store: StateStore;
  /** This process, written into the record so others can tell a live listener from a crashed one. */
  pid: number;
  isProcessAlive: (pid: number, since?: Date) => boolean;
  /** Asked before replacing the URL (production without `--yes`); absent when no confirmation is needed. */
  confirm?: ((question: { currentUrl: string | null; newUrl: string; target: string }) => Promise<boolean>) | undefined;
  publish: (event: AccountEvent) => void;
  now: () => Date;
}

export function createRegistrar(options: RegistrarOptions, deps: RegistrarDependencies): Registrar {
  const { client, store, publish, now } = deps;
  const target = client.target;

  async function register(input: {
    webhookUrl: string;
    onWebhookKey: (key: string) => void;
    signal?: AbortSignal;
  }): Promise<RegistrationRecord> {
    // One start-up at a time per API: a second one waits here, then sees the first one's record.
    const release = await store.lock();
    try {
      const { records, problems } = await store.read();
      for (const problem of problems) publish({ type: 'state-problem', at: now(), problem });
      const live = records.filter((record) => heldByLiveListen(record, deps));
      const dead = records.filter((record) => !heldByLiveListen(record, deps));
      const holder = live[0];
      if (holder !== undefined && !options.force) {
        throw new MwError(`Another listen (pid ${holder.pid}) has ${holder.registeredUrl} registered at ${target.description}.`, {
          code: 'LISTEN_ALREADY_RUNNING',
          category: 'usage',
          hint: 'Stop that listen first (it restores the URL on exit), or pass --force to take the URL over.',
        });
      }
      if (holder !== undefined) publish({ type: 'taking-over', at: now(), pid: holder.pid });
      // A crashed listen's URL is put back first, unless a live one holds the account (then the chain goes on).
      for (const record of dead.reverse()) {
        publish({ type: 'recovering', at: now(), record });
        if (holder === undefined) publish({ type: 'restored', at: now(), outcome: await restoreRegistration({ client, store, record }) });
        else await store.update((chain) => chain.filter((item) => item.id !== record.id));
      }

      const settings = await client.getSettings({ signal: input.signal });
      if (settings.webhookKey !== null) input.onWebhookKey(settings.webhookKey);
      // A takeover inherits the original URL from the chain, never the live listen's own tunnel URL.
      const previousUnknown = problems.some((problem) => problem.kind === 'damaged');
      const previousUrl = holder !== undefined ? holder.previousUrl : previousUnknown ? null : settings.webhookUrl;
      if (deps.confirm !== undefined) {
        const yes = await deps.confirm({ currentUrl: settings.webhookUrl, newUrl: input.webhookUrl, target: target.description });
        if (!yes) {
          throw new MwError(`Left the webhook URL of ${target.description} unchanged.`, {
            code: 'REGISTRATION_DECLINED',
            category: 'usage',
            hint: 'Run listen again and confirm, pass --yes, or use --no-register.',
          });
        }
      }
      // The last moment a stop leaves the account untouched: from here on the change is recorded, then made.
      if (input.signal?.aborted) throw new MwError('Stopped before registering the URL.', { code: 'STOPPED', category: 'usage' });

      const record: RegistrationRecord = {
        id: randomUUID(),
        environment: target.environment,
        apiUrl: target.baseUrl,
        previousUrl,
        ...(previousUnknown || holder?.previousUnknown ? { previousUnknown: true as const } : {}),
        registeredUrl: input.webhookUrl,
        pid: deps.pid,
        startedAt: now().toISOString(),
      };
      await store.update((chain) => [...chain, record]);
      let updated: Settings;
      try {
        updated = await client.updateWebhookUrl(input.webhookUrl);
      } catch (error) {
        // Nothing changed on the account, so there is nothing to restore later.
        await store.update((chain) => chain.filter((item) => item.id !== record.id));
        throw error;
      }
      if (updated.webhookKey === null) {
        throw new MwError('Metriport registered the URL but returned no webhook key.', {
          code: 'NO_WEBHOOK_KEY_FROM_API',
          category: 'api',
          hint: 'Check the account in the dashboard, then run listen again.',
        });
      }
      input.onWebhookKey(updated.webhookKey);
      publish({ type: 'registered', at: now(), webhookUrl: input.webhookUrl, previousUrl, target: target.description });
      return record;
    } finally {
      await release();
    }
  }

  async function restore(record: RegistrationRecord): Promise<void> {
    if (options.keepUrl) {
      await store.update((chain) => chain.filter((item) => item.id !== record.id));
      publish({ type: 'url-kept', at: now(), url: record.registeredUrl });
      return;
    }
    let outcome: RestoreOutcome;
    try {
      outcome = await restoreRegistration({ client, store, record });
    } catch (error) {
      throw new MwError(
        `Could not restore the webhook URL${record.previousUrl ? ` to ${record.previousUrl}` : ''}: ${isMwError(error) ? error.message : String(error)}`,
        {
          code: 'RESTORE_FAILED',
          category: isMwError(error) ? error.category : 'internal',
          hint: `Run ${NEXT} once the API is reachable; the record to restore from is kept.`,
          // Run later, maybe from another shell: it names the API whatever chose it, so it reaches this one.
          next: { command: 'restore', sameApi: true, nameApi: true },
          cause: error,
        },
      );
    }
    publish({ type: 'restored', at: now(), outcome });
  }

  return { target, register, restore, readHealth: (options) => client.getWebhookStatus(options) };
}
