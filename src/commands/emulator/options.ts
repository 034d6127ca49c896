import { DEFAULT_EMULATOR_PORT } from '../../config/defaults.js';

export const EMULATOR_OPTIONS = [
  { flags: '--port <port>', description: `port; 0 picks a free one (default: ${DEFAULT_EMULATOR_PORT})` },
  { flags: '--host <host>', description: 'interface to bind (default: 127.0.0.1)' },
  { flags: '--api-key <key>', description: 'the x-api-key it accepts (default: local-emulator)' },
  { flags: '--allow-local-urls', description: 'accept webhook URLs on this machine, which Metriport refuses' },
  { flags: '--webhook-key <key>', description: "pin the account's webhook key (what your app verifies with)" },
  { flags: '--reset', description: 'start with a new account: forget the one kept between runs (key, history, patients)' },
  {
    flags: '--url-ttl <duration>',
    description: "lifetime of every presigned URL, e.g. 5s to test expiry (default: Metriport's, 3 or 10 min)",
  },
  {
    flags: '--delay <duration>',
    description: "how long a query takes before its messages go out (default: 0–5 s, as Metriport's sandbox)",
  },
  { flags: '--seed <n>', description: "seed the emulator's randomness (waits, message order), so runs repeat" },
] as const;
