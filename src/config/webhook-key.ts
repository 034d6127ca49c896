import { usageError } from '../errors.js';
import { type Env, pick, type Sourced } from './sources.js';

/** `--webhook-key` > `METRIPORT_WEBHOOK_KEY` > `.env`. */
export function pickWebhookKey(flag: string | undefined, env: Env, dotenv: Env): Sourced<string> | undefined {
  return pick({ flag, flagName: '--webhook-key', env, dotenv, envName: 'METRIPORT_WEBHOOK_KEY' });
}

/** The webhook key, or a usage error that says why it is needed (`purpose`) and where to put it. */
export function requireWebhookKey(key: Sourced<string> | undefined, purpose: string, extraHint = ''): Sourced<string> {
  if (key !== undefined) return key;
  throw usageError(
    'NO_WEBHOOK_KEY',
    `No webhook key: ${purpose}.`,
    `Pass --webhook-key <key> or set METRIPORT_WEBHOOK_KEY (GET /settings shows it as webhookKey)${extraHint}.`,
  );
}
