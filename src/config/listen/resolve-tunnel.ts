import { MwError } from '../../errors.js';
import { requireHttpUrl } from '../../util/http-url.js';
import { type Env, pick, type Sourced } from '../sources.js';
import type { TunnelConfig } from './listen-config.js';
import type { ListenFlags } from './listen-options.js';

/** Opening an ngrok tunnel is raced against this; after a drop, this long without reconnecting ends listen. */
export const NGROK_OPEN_TIMEOUT_MS = 20_000;
export const NGROK_LOST_AFTER_MS = 60_000;

/** `--public-url`, or ngrok with its authtoken from flag > env > `.env` > ngrok's own config file. */
export function resolveTunnel(input: {
  flags: Pick<ListenFlags, 'publicUrl' | 'ngrokAuthtoken' | 'ngrokDomain'>;
  env: Env;
  dotenv: Env;
  ngrokConfigAuthtoken: Sourced<string> | undefined;
}): TunnelConfig {
  const { flags, env, dotenv } = input;
  if (flags.publicUrl !== undefined) {
    const url = requireHttpUrl({
      name: '--public-url',
      value: flags.publicUrl,
      code: 'BAD_PUBLIC_URL',
      hint: 'Pass the public https URL of your tunnel, e.g. https://abc.trycloudflare.com.',
    });
    return { kind: 'public-url', url };
  }
  const authtoken =
    pick({ flag: flags.ngrokAuthtoken, flagName: '--ngrok-authtoken', env, dotenv, envName: 'NGROK_AUTHTOKEN' }) ??
    input.ngrokConfigAuthtoken;
  if (authtoken === undefined) {
    throw new MwError('ngrok needs an authtoken to open a tunnel, and none was found.', {
      code: 'NGROK_NO_AUTHTOKEN',
      category: 'auth',
      hint: 'Get one at https://dashboard.ngrok.com/get-started/your-authtoken and set NGROK_AUTHTOKEN, or pass --public-url (your own tunnel), --emulator or --no-tunnel.',
    });
  }
  const domain = pick({ flag: flags.ngrokDomain, flagName: '--ngrok-domain', env, dotenv, envName: 'NGROK_DOMAIN' })?.value;
  return { kind: 'ngrok', authtoken, domain, timeoutMs: NGROK_OPEN_TIMEOUT_MS, lostAfterMs: NGROK_LOST_AFTER_MS };
}

/** `--public-url` with a path of its own is used as it is; a bare origin gets `--path` appended. */
export function webhookUrlFor(publicUrl: string, path: string): string {
  const url = new URL(publicUrl);
  if (url.pathname !== '/' && url.pathname !== '') return publicUrl;
  return `${url.origin}${path}${url.search}`;
}
