import { MwError, usageError } from '../errors.js';
import { type ApiTarget, describeTarget } from '../metriport/target.js';
import { DEFAULT_EMULATOR_API_KEY, PRODUCTION_API_URL, SANDBOX_API_URL } from '../metriport/types.js';
import type { FlagMap, FlagValue } from '../next-command.js';
import { requireHttpUrl } from '../util/http-url.js';
import type { ApiFlags } from './api-options.js';
import { type Env, pick, type Sourced } from './sources.js';

export type { ApiFlags };

export interface ApiConfig {
  target: ApiTarget;
  apiKey: Sourced<string> | undefined;
  /** What chose the target: an API URL (flag, env, .env), else an environment (none: the sandbox default). */
  chosenBy: { apiUrl: Sourced<string> } | { environment: Sourced<string> } | undefined;
}

/** Flags beat the environment, which beats a `.env` file. */
const RANK: Readonly<Record<Sourced<string>['source'], number>> = { flag: 3, env: 2, '.env': 1, default: 0 };

/**
 * Pure. Which API: the API URL or the environment from the strongest place (flag > environment > `.env`),
 * and at the same place the URL wins: `--api-url` > `--env` > METRIPORT_API_URL > METRIPORT_ENV, and an exported
 * METRIPORT_ENV beats a `.env` file's METRIPORT_API_URL (a cloned repository's `.env` cannot steer an exported
 * choice). Key from flag > env > `.env`.
 */
export function resolveApiConfig(flags: ApiFlags, env: Env, dotenv: Env): ApiConfig {
  const urlGiven = pick({ flag: flags.apiUrl, flagName: '--api-url', env, dotenv, envName: 'METRIPORT_API_URL' });
  const environment = pick({ flag: flags.env, flagName: '--env', env, dotenv, envName: 'METRIPORT_ENV' });
  const apiUrl = urlGiven !== undefined && RANK[urlGiven.source] >= RANK[environment?.source ?? 'default'] ? urlGiven : undefined;
  const apiKey = pick({ flag: flags.apiKey, flagName: '--api-key', env, dotenv, envName: 'METRIPORT_API_KEY' });
  if (environment !== undefined && environment.value !== 'sandbox' && environment.value !== 'production') {
    throw usageError('BAD_ENV', `${environment.origin} "${environment.value}" is not an environment.`, 'Use sandbox or production.');
  }
  if (apiUrl !== undefined) return { target: describeTarget(normaliseApiUrl(apiUrl), apiUrl.origin), apiKey, chosenBy: { apiUrl } };
  const production = environment?.value === 'production';
  const urlOrigin = environment === undefined ? '--env sandbox (the default)' : `${environment.origin} ${environment.value}`;
  return {
    target: describeTarget(production ? PRODUCTION_API_URL : SANDBOX_API_URL, urlOrigin),
    apiKey,
    chosenBy: environment === undefined ? undefined : { environment },
  };
}

/**
 * The flags a command this run suggests needs to reach the same API with the same key: only what came from
 * flags (the environment and `.env` still hold the rest when the user runs it). A key given as a flag is a
 * secret: printed only when it is the emulator's public default, else left for the user to fill in.
 */
export function apiHintFlags(config: ApiConfig): FlagMap {
  const flags: Record<`--${string}`, FlagValue> = {};
  const chosenBy = config.chosenBy;
  if (chosenBy !== undefined && 'apiUrl' in chosenBy && chosenBy.apiUrl.source === 'flag') flags['--api-url'] = config.target.baseUrl;
  if (chosenBy !== undefined && 'environment' in chosenBy && chosenBy.environment.source === 'flag')
    flags['--env'] = chosenBy.environment.value;
  if (config.apiKey?.source === 'flag')
    flags['--api-key'] = config.apiKey.value === DEFAULT_EMULATOR_API_KEY ? config.apiKey.value : { fillIn: 'your API key' };
  return flags;
}

/**
 * The flags that name this API and key whatever chose them, for a command run later in a shell that may not
 * have this run's environment (the `restore` that recovers a URL): `--api-url` or `--env` as the API was
 * chosen, from a flag, the environment or `.env` alike (nothing for the default sandbox); the key as
 * `apiHintFlags` gives it, and also from the environment when it is the emulator's public default. A real key
 * from the environment is never printed: it is where the user keeps it.
 */
export function apiNamingFlags(config: ApiConfig): FlagMap {
  const flags: Record<`--${string}`, FlagValue> = { ...apiHintFlags(config) };
  const chosenBy = config.chosenBy;
  if (chosenBy !== undefined && 'apiUrl' in chosenBy) flags['--api-url'] = config.target.baseUrl;
  if (chosenBy !== undefined && 'environment' in chosenBy) flags['--env'] = chosenBy.environment.value;
  if (config.apiKey?.value === DEFAULT_EMULATOR_API_KEY) flags['--api-key'] = DEFAULT_EMULATOR_API_KEY;
  return flags;
}

/**
 * The API key, for a call to `config.target`. A `.env` file (a cloned repository's, say) that names an API
 * that is not Metriport's is not sent a key from anywhere else: the user confirms the URL with `--api-url`, or
 * keeps the key in that same file (SECURITY.md, "Where the API key goes").
 */
export function requireApiKey(config: ApiConfig): Sourced<string> {
  const { apiKey, chosenBy, target } = config;
  if (apiKey !== undefined && !target.isMetriportHost && chosenBy !== undefined && 'apiUrl' in chosenBy) {
    const url = chosenBy.apiUrl;
    if (url.source === '.env' && apiKey.source !== '.env') {
      throw usageError(
        'API_URL_FROM_DOTENV',
        `${url.origin} points at ${target.baseUrl}, which is not Metriport's API, and the API key comes from ${apiKey.origin}: it is not sent there.`,
        `Pass --api-url ${target.baseUrl} if you mean that API, or keep METRIPORT_API_KEY in the same .env file.`,
      );
    }
  }
  if (apiKey !== undefined) return apiKey;
  throw new MwError(`No Metriport API key for ${config.target.description}.`, {
    code: 'NO_API_KEY',
    category: 'auth',
    hint: 'Set METRIPORT_API_KEY (or put it in .env, or pass --api-key); the dashboard shows keys under Developers.',
  });
}

function normaliseApiUrl(source: Sourced<string>): string {
  const url = requireHttpUrl({
    name: source.origin,
    value: source.value,
    code: 'BAD_API_URL',
    hint: 'Pass the API base URL, e.g. http://127.0.0.1:4748.',
  });
  return new URL(url).toString().replace(/\/+$/, '');
}
