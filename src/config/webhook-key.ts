import { MwError } from '../errors.js';
import type { ApiTarget } from '../metriport/target.js';
import { NEXT } from '../next-command.js';
import { type Env, pick, type Sourced } from './sources.js';

/** `--webhook-key` > `METRIPORT_WEBHOOK_KEY` > `.env`. */
export function pickWebhookKey(flag: string | undefined, env: Env, dotenv: Env): Sourced<string> | undefined {
  return pick({ flag, flagName: '--webhook-key', env, dotenv, envName: 'METRIPORT_WEBHOOK_KEY' });
}

/**
 * The webhook key, or NO_WEBHOOK_KEY: none was given to verify or sign with. Says why it is needed
 * (`purpose`) and where to put it; `fromAccount` for commands that read it from the account when an API key
 * is at hand.
 */
export function requireWebhookKey(input: { key: Sourced<string> | undefined; purpose: string; fromAccount?: boolean }): Sourced<string> {
  if (input.key !== undefined) return input.key;
  const fromAccount = input.fromAccount
    ? `, or give an API key (METRIPORT_API_KEY / --api-key) so it is read from the account: ${NEXT} shows it`
    : '';
  throw new MwError(`No webhook key: ${input.purpose}.`, {
    code: 'NO_WEBHOOK_KEY',
    category: 'usage',
    hint: `Pass --webhook-key <key> or set METRIPORT_WEBHOOK_KEY (GET /settings shows it as webhookKey)${fromAccount}.`,
    next: input.fromAccount ? { command: 'key', sameApi: true } : undefined,
  });
}

/**
 * ACCOUNT_HAS_NO_WEBHOOK_KEY: the account was asked and has none yet, which is another matter than a key not
 * given (NO_WEBHOOK_KEY). `orPassKey` where `--webhook-key` would do instead.
 */
export function accountHasNoWebhookKey(input: { target: ApiTarget; orPassKey: boolean }): MwError {
  return new MwError(`The account at ${input.target.description} has no webhook key yet.`, {
    code: 'ACCOUNT_HAS_NO_WEBHOOK_KEY',
    category: 'usage',
    hint: `Metriport creates one when a webhook URL is first registered: run ${NEXT} once${input.orPassKey ? ', or pass --webhook-key' : ''}.`,
    next: { command: 'listen', sameApi: true },
  });
}
