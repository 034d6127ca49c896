import { usageError } from '../errors.js';
import { parseSize } from './size.js';
import { type Env, type Sourced, pick } from './sources.js';

/** Default receiver port: fixed so `trigger` and docs can rely on it; `--port 0` picks a free one. */
export const DEFAULT_PORT = 4747;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PATH = '/webhook';
/** Metriport bodies are usually KB, but a document-download for a big patient passes 1 MB; allow tens of MB. */
export const DEFAULT_MAX_BODY = '64mb';

/** The flags of `listen` as commander hands them over (strings unparsed). */
export interface ListenFlags {
  host?: string;
  port?: string;
  path?: string;
  maxBody?: string;
  webhookKey?: string;
  tunnel?: boolean;
  out?: string;
  jsonl?: string;
  json?: boolean;
  full?: boolean;
  events?: string;
}

export interface ListenConfig {
  host: string;
  port: number;
  path: string;
  maxBodyBytes: number;
  webhookKey: Sourced<string> | undefined;
  /** `false` with `--no-tunnel`: local only, nothing registered. */
  tunnel: boolean;
  outDir: string | undefined;
  jsonlFile: string | undefined;
  json: boolean;
  full: boolean;
  /** `--events` entries; empty means every type. */
  events: string[];
  /** Things worth saying before starting, e.g. a non-loopback bind. */
  warnings: string[];
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Pure: flags + environment + `.env` values → a complete, checked listen configuration. */
export function resolveListenConfig(flags: ListenFlags, env: Env, dotenv: Env): ListenConfig {
  const host = flags.host ?? DEFAULT_HOST;
  const port = parsePort(flags.port ?? String(DEFAULT_PORT));
  const path = flags.path ?? DEFAULT_PATH;
  if (!path.startsWith('/') || /[?#\s]/.test(path)) {
    throw usageError('BAD_PATH', `--path ${JSON.stringify(path)} is not a URL path.`, 'Pass a path that starts with "/", e.g. --path /webhook.');
  }
  const maxBodyBytes = parseSize(flags.maxBody ?? DEFAULT_MAX_BODY);
  if (maxBodyBytes === undefined) {
    throw usageError('BAD_MAX_BODY', `--max-body ${JSON.stringify(flags.maxBody)} is not a size.`, 'Pass a size such as 50mb, 512kb or a number of bytes.');
  }
  const events = parseEvents(flags.events);
  const webhookKey = pick({ flag: flags.webhookKey, flagName: '--webhook-key', env, dotenv, envName: 'METRIPORT_WEBHOOK_KEY' });
  const tunnel = flags.tunnel ?? true;
  if (tunnel) {
    throw usageError(
      'TUNNEL_UNAVAILABLE',
      'This version cannot open a public tunnel yet, so listen needs --no-tunnel.',
      'Run `metriport-webhook listen --no-tunnel --webhook-key <key>` and send requests to the local URL.',
    );
  }
  if (webhookKey === undefined) {
    throw usageError(
      'NO_WEBHOOK_KEY',
      'No webhook key: listen cannot verify requests without it.',
      'Pass --webhook-key <key> or set METRIPORT_WEBHOOK_KEY (GET /settings shows the key as webhookKey).',
    );
  }
  const warnings = LOOPBACK.has(host)
    ? []
    : [`--host ${host} exposes the receiver beyond this machine; webhooks carry PHI, so prefer 127.0.0.1 behind a tunnel.`];
  return {
    host,
    port,
    path,
    maxBodyBytes,
    webhookKey,
    tunnel,
    outDir: flags.out,
    jsonlFile: flags.jsonl,
    json: flags.json ?? false,
    full: flags.full ?? false,
    events,
    warnings,
  };
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw usageError('BAD_PORT', `--port ${JSON.stringify(text)} is not a port number.`, 'Pass a number from 0 to 65535 (0 picks a free port).');
  }
  return port;
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
