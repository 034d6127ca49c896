import { usageError } from '../errors.js';

/** A port number from 0 to 65535 (0 picks a free port); `undefined` when the text is not one. */
export function parsePort(text: string): number | undefined {
  const port = Number(text);
  return /^\d+$/.test(text) && port <= 65535 ? port : undefined;
}

/** The port `flag` names, or the usage error that says what a port is. */
export function requirePort(text: string, flag = '--port'): number {
  const port = parsePort(text);
  if (port === undefined)
    throw usageError(
      'BAD_PORT',
      `${flag} ${JSON.stringify(text)} is not a port number.`,
      'Pass a number from 0 to 65535 (0 picks a free one).',
    );
  return port;
}
