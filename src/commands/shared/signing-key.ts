import { type ApiFlags, requireApiKey, resolveApiConfig } from '../../config/api-config.js';
import type { Env, Sourced } from '../../config/sources.js';
import { accountHasNoWebhookKey, pickWebhookKey, requireWebhookKey } from '../../config/webhook-key.js';
import { createMetriportClient } from '../../metriport/client.js';

/**
 * The webhook key to sign with: `--webhook-key` > METRIPORT_WEBHOOK_KEY > `.env`, else the account's own,
 * read with `GET /settings` when an API key is at hand (sandbox, the emulator), so `trigger` and `replay`
 * need no key copied by hand.
 */
export async function signingKey(input: {
  flags: ApiFlags & { webhookKey?: string | undefined };
  context: { env: Env; dotenv: Env };
  purpose: string;
}): Promise<Sourced<string>> {
  const { flags, context } = input;
  const given = pickWebhookKey(flags.webhookKey, context.env, context.dotenv);
  if (given !== undefined) return given;
  const api = resolveApiConfig(flags, context.env, context.dotenv);
  if (api.apiKey === undefined) return requireWebhookKey({ key: undefined, purpose: input.purpose, fromAccount: true });
  const settings = await createMetriportClient({ target: api.target, apiKey: requireApiKey(api).value }).getSettings();
  if (settings.webhookKey === null) throw accountHasNoWebhookKey({ target: api.target, orPassKey: true });
  return { value: settings.webhookKey, source: 'default', origin: `the account (${api.target.description})` };
}
