import { type ApiConfig, type ApiFlags, requireApiKey, resolveApiConfig } from '../../config/api-config.js';
import type { Env } from '../../config/sources.js';
import { createMetriportClient, type MetriportClient } from '../../metriport/client.js';

/** The Metriport client for a command's `--env` / `--api-url` / `--api-key`. */
export function clientFromFlags(flags: ApiFlags, context: { env: Env; dotenv: Env }): MetriportClient {
  return apiFromFlags(flags, context).client;
}

/** The client and the API key it uses (for commands that must keep the key out of what they print). */
export function apiFromFlags(
  flags: ApiFlags,
  context: { env: Env; dotenv: Env },
): { client: MetriportClient; apiKey: string; config: ApiConfig } {
  const config = resolveApiConfig(flags, context.env, context.dotenv);
  const apiKey = requireApiKey(config).value;
  return { client: createMetriportClient({ target: config.target, apiKey }), apiKey, config };
}
