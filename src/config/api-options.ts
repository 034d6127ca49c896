import type { FlagsOf } from './option-table.js';

/** `--env`, `--api-url`, `--api-key`: shared by every command that talks to Metriport's API. */
export const API_OPTIONS = [
  {
    flags: '--env <env>',
    description: 'Metriport environment (env: METRIPORT_ENV; default: sandbox)',
    choices: ['sandbox', 'production'],
  },
  { flags: '--api-url <url>', description: 'API base URL, e.g. a local emulator; wins over --env (env: METRIPORT_API_URL)' },
  { flags: '--api-key <key>', description: 'Metriport API key (env: METRIPORT_API_KEY, also read from .env)' },
] as const;

export type ApiFlags = FlagsOf<typeof API_OPTIONS>;
