import { API_OPTIONS } from '../../config/api-options.js';

export const REPLAY_ARGUMENTS = [{ name: '<paths...>', description: 'capture files, or folders of them (sent in arrival order)' }] as const;

export const REPLAY_OPTIONS = [
  { flags: '--to <url>', description: 'where to POST them (default: http://127.0.0.1:4747/webhook)' },
  {
    flags: '--webhook-key <key>',
    description: 'key to sign with (env: METRIPORT_WEBHOOK_KEY; else read from the account when an API key is given)',
  },
  { flags: '--json', description: 'print one JSON object per message' },
  ...API_OPTIONS,
] as const;
