import { CHECK_IDS } from '../../check/check-ids.js';
import { API_OPTIONS } from '../../config/api-options.js';

export const CHECK_ARGUMENTS = [
  { name: '<url>', description: 'your endpoint, e.g. http://127.0.0.1:3000/webhook or its public URL' },
] as const;

export const CHECK_OPTIONS = [
  {
    flags: '--webhook-key <key>',
    description: 'the key your endpoint verifies with (env: METRIPORT_WEBHOOK_KEY; else read from the account when an API key is given)',
  },
  { flags: '--only <checks>', description: `comma-separated, with what they need run first: ${CHECK_IDS.join(', ')}` },
  { flags: '--json', description: 'print one JSON object per check, as each is decided' },
  { flags: '--junit <file>', description: 'also write a JUnit XML report (one testcase per check) for CI' },
  ...API_OPTIONS,
] as const;
