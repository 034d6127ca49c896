import { type ApiFlags, requireApiKey, resolveApiConfig } from '../../config/api-config.js';
import { type MetriportClient, createMetriportClient } from '../../metriport/client.js';
import type { CommandContext } from './process.js';

/** The Metriport client for a command's `--env` / `--api-url` / `--api-key`. */
export function clientFromFlags(flags: ApiFlags, context: CommandContext): MetriportClient {
  const config = resolveApiConfig(flags, context.env, context.dotenv);
  return createMetriportClient({ target: config.target, apiKey: requireApiKey(config).value });
}
