import { API_OPTIONS } from '../../config/api-options.js';

export const CHECK_ARGUMENTS = [
  { name: '<url>', description: 'your endpoint, e.g. http://127.0.0.1:3000/webhook or its public URL' },
] as const;

export const CHECK_OPTIONS = [
  {
    flags: '--webhook-key <key>',
    description: 'the key your endpoint verifies with (env: METRIPORT_WEBHOOK_KEY; else read from the account when an API key is given)',
  },
  { flags: '--only <checks>', description: 'comma-separated: ping, refusals, raw-bytes, types, speed, redirects, idempotency, size' },
  { flags: '--json', description: 'print one JSON object per check' },
  ...API_OPTIONS,
] as const;
