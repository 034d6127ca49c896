import { DEFAULT_EMULATOR_PORT } from '../../config/defaults.js';

export const EMULATOR_OPTIONS = [
  { flags: '--port <port>', description: `port; 0 picks a free one (default: ${DEFAULT_EMULATOR_PORT})` },
  { flags: '--host <host>', description: 'interface to bind (default: 127.0.0.1)' },
  { flags: '--api-key <key>', description: 'the x-api-key it accepts (default: local-emulator)' },
  { flags: '--allow-local-urls', description: 'accept webhook URLs on this machine, which Metriport refuses' },
] as const;
