import { DEFAULT_INSPECTOR_PORT } from '../../config/defaults.js';

export const INSPECT_ARGUMENTS = [{ name: '<paths...>', description: 'capture folders or files (listen --out)' }] as const;

export const INSPECT_OPTIONS = [
  { flags: '--port <port>', description: `loopback port to serve it on (default: ${DEFAULT_INSPECTOR_PORT}, or a free one when taken)` },
] as const;
