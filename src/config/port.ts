import { usageError } from '../errors.js';

/** A port number from 0 to 65535 (0 picks a free port). */
export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw usageError('BAD_PORT', `--port ${JSON.stringify(text)} is not a port number.`, 'Pass a number from 0 to 65535 (0 picks a free port).');
  }
  return port;
}
