import { PRODUCTION_API_URL, SANDBOX_API_URL } from './types.js';

export type ApiEnvironment = 'sandbox' | 'production' | 'custom';

/** Which Metriport API a client talks to, and where that choice came from. */
export interface ApiTarget {
  /** Without a trailing slash. */
  baseUrl: string;
  environment: ApiEnvironment;
  /** For messages: "sandbox (https://api.sandbox.metriport.com)". */
  description: string;
  /** Where the URL was chosen, for errors about it: "--api-url", "METRIPORT_API_URL", "--env sandbox (default)". */
  urlOrigin: string;
  /** Metriport's own API: the local URL blocklist pre-check applies (with `--api-url`, the API decides). */
  isMetriportHost: boolean;
  isProduction: boolean;
}

export function describeTarget(baseUrl: string, urlOrigin = 'the command'): ApiTarget {
  const host = new URL(baseUrl).host;
  const environment: ApiEnvironment =
    host === new URL(PRODUCTION_API_URL).host ? 'production' : host === new URL(SANDBOX_API_URL).host ? 'sandbox' : 'custom';
  return {
    baseUrl,
    environment,
    description: environment === 'custom' ? `the API at ${baseUrl}` : `${environment} (${baseUrl})`,
    urlOrigin,
    isMetriportHost: environment !== 'custom',
    isProduction: environment === 'production',
  };
}
