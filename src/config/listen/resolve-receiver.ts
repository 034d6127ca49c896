import { usageError } from '../../errors.js';
import { judgeTypeEntry } from '../../samples/samples.js';
import { isLoopback } from '../../util/loopback.js';
import { parseSize } from '../../util/units.js';
import { DEFAULT_HOST, DEFAULT_MAX_BODY, DEFAULT_PATH, DEFAULT_PORT } from '../defaults.js';
import { requirePort } from '../port.js';
import type { ReceiverConfig } from './listen-config.js';
import type { ListenFlags } from './listen-options.js';

/** `--host`, `--port`, `--path`, `--max-body`, `--events`: checked, with the warnings worth giving. */
export function resolveReceiver(flags: Pick<ListenFlags, 'host' | 'port' | 'path' | 'maxBody' | 'events'>): {
  receiver: ReceiverConfig;
  warnings: string[];
} {
  const host = flags.host ?? DEFAULT_HOST;
  const port = requirePort(flags.port ?? String(DEFAULT_PORT));
  const path = flags.path ?? DEFAULT_PATH;
  if (!path.startsWith('/') || /[?#\s]/.test(path)) {
    throw usageError(
      'BAD_PATH',
      `--path ${JSON.stringify(path)} is not a URL path.`,
      'Pass a path that starts with "/", e.g. --path /webhook.',
    );
  }
  const maxBodyBytes = parseSize(flags.maxBody ?? DEFAULT_MAX_BODY);
  if (maxBodyBytes === undefined) {
    throw usageError(
      'BAD_MAX_BODY',
      `--max-body ${JSON.stringify(flags.maxBody)} is not a size.`,
      'Pass a size such as 50mb, 512kb or a number of bytes.',
    );
  }
  const warnings = isLoopback(host)
    ? []
    : [`--host ${host} exposes the receiver beyond this machine; webhooks carry PHI, so prefer 127.0.0.1 behind a tunnel.`];
  const events = parseEvents(flags.events);
  warnings.push(...events.flatMap(checkEventEntry));
  return { receiver: { host, port, path, maxBodyBytes, events }, warnings };
}

/**
 * An `--events` entry that matches no type Metriport sends today is most likely a typo: say so, with the
 * nearest type, but keep it (new types keep appearing, and a receiver must accept them).
 */
function checkEventEntry(entry: string): string[] {
  const judged = judgeTypeEntry(entry);
  if (judged.matches) return [];
  return [
    `--events ${entry} matches no type Metriport sends today${judged.guess === undefined ? '' : `; did you mean ${judged.guess}?`} (kept, in case it is new).`,
  ];
}

function parseEvents(text: string | undefined): string[] {
  if (text === undefined) return [];
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) {
    throw usageError('BAD_EVENTS', '--events is empty.', 'Pass comma-separated types or prefixes, e.g. --events medical.,patient.admit.');
  }
  return entries;
}
