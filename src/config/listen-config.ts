import { MwError, usageError } from '../errors.js';
import { describeUrlProblem, webhookUrlProblem } from '../metriport/url-rules.js';
import { type ApiConfig, requireApiKey, resolveApiConfig } from './api-config.js';
import { parseSize } from './size.js';
import { type Env, type Sourced, pick } from './sources.js';

/** Default receiver port: fixed so `trigger` and docs can rely on it; `--port 0` picks a free one. */
export const DEFAULT_PORT = 4747;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PATH = '/webhook';
/** Metriport bodies are usually KB, but a document-download for a big patient passes 1 MB; allow tens of MB. */
export const DEFAULT_MAX_BODY = '64mb';
/** Metriport pings right after a URL change; its verdict is read this long after registering. */
export const HEALTH_CHECK_DELAY_MS = 3000;

/** The flags of `listen` as commander hands them over (strings unparsed). */
export interface ListenFlags {
  host?: string;
  port?: string;
  path?: string;
  maxBody?: string;
  webhookKey?: string;
  tunnel?: boolean;
  publicUrl?: string;
  register?: boolean;
  keepUrl?: boolean;
  yes?: boolean;
  force?: boolean;
  emulator?: boolean;
  env?: string;
  apiUrl?: string;
  apiKey?: string;
  out?: string;
  jsonl?: string;
  json?: boolean;
  full?: boolean;
  events?: string;
}

/** Facts about the terminal that the pure resolver needs. */
export interface ListenContext {
  /** stdin and stderr are terminals, so a question can be asked. */
  interactive: boolean;
}

export type ListenMode = 'local' | 'public-url' | 'emulator';

export interface RegistrationConfig {
  /** Public base URL (`--public-url`); `undefined` registers the local URL (only the emulator accepts it). */
  publicUrl: string | undefined;
  keepUrl: boolean;
  force: boolean;
  /** Ask before replacing the URL (production without `--yes`, on a terminal). */
  confirm: boolean;
  healthCheckDelayMs: number;
}

export interface ListenConfig {
  mode: ListenMode;
  host: string;
  port: number;
  path: string;
  maxBodyBytes: number;
  webhookKey: Sourced<string> | undefined;
  /** The Metriport API to register with; absent with `--emulator` (the command starts its own). */
  api: ApiConfig | undefined;
  registration: RegistrationConfig | undefined;
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
export function resolveListenConfig(flags: ListenFlags, env: Env, dotenv: Env, context: ListenContext = { interactive: false }): ListenConfig {
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
  const webhookKey = pick({ flag: flags.webhookKey, flagName: '--webhook-key', env, dotenv, envName: 'METRIPORT_WEBHOOK_KEY' });
  const warnings = LOOPBACK.has(host)
    ? []
    : [`--host ${host} exposes the receiver beyond this machine; webhooks carry PHI, so prefer 127.0.0.1 behind a tunnel.`];
  const common = {
    host,
    port,
    path,
    maxBodyBytes,
    webhookKey,
    outDir: flags.out,
    jsonlFile: flags.jsonl,
    json: flags.json ?? false,
    full: flags.full ?? false,
    events: parseEvents(flags.events),
    warnings,
  };
  const registrationBase = { keepUrl: flags.keepUrl ?? false, force: flags.force ?? false, healthCheckDelayMs: HEALTH_CHECK_DELAY_MS };

  if (flags.emulator) {
    if (flags.publicUrl !== undefined || flags.apiUrl !== undefined || flags.env !== undefined || flags.tunnel === false) {
      throw usageError('EMULATOR_CONFLICT', '--emulator runs its own local API and needs no tunnel.', 'Drop --public-url, --api-url, --env and --no-tunnel, or drop --emulator.');
    }
    return { ...common, mode: 'emulator', api: undefined, registration: { ...registrationBase, publicUrl: undefined, confirm: false } };
  }

  if (flags.tunnel === false) {
    if (flags.publicUrl !== undefined) {
      throw usageError('TUNNEL_CONFLICT', '--no-tunnel and --public-url contradict each other.', 'Keep --public-url to register your own tunnel, or --no-tunnel for local-only work.');
    }
    return { ...common, mode: 'local', api: undefined, registration: undefined, webhookKey: requireWebhookKey(webhookKey, 'with --no-tunnel') };
  }

  if (flags.publicUrl === undefined) {
    throw usageError(
      'TUNNEL_UNAVAILABLE',
      'This version cannot open an ngrok tunnel yet.',
      'Pass --public-url <https URL of your own tunnel> to register it, --emulator to try everything locally, or --no-tunnel for local-only work.',
    );
  }

  const publicUrl = parsePublicUrl(flags.publicUrl);
  if (flags.register === false) {
    return { ...common, mode: 'public-url', api: undefined, registration: undefined, webhookKey: requireWebhookKey(webhookKey, 'with --no-register') };
  }
  const api = resolveApiConfig(flags, env, dotenv);
  requireApiKey(api);
  const webhookUrl = webhookUrlFor(publicUrl, path);
  if (api.target.isMetriportHost) {
    const problem = webhookUrlProblem(webhookUrl, { allowLocal: false });
    if (problem !== undefined) {
      throw usageError('URL_BLOCKED', `Metriport would refuse the webhook URL: ${describeUrlProblem(webhookUrl, problem)}.`, 'Register a public tunnel URL (https://…) instead.');
    }
  }
  if (api.target.isProduction && !flags.yes && !context.interactive) {
    throw new MwError(`Refusing to change the production webhook URL without confirmation.`, {
      code: 'PRODUCTION_NEEDS_YES',
      category: 'usage',
      hint: 'Pass --yes to replace it (the old URL is restored on exit), or use --env sandbox.',
    });
  }
  return {
    ...common,
    mode: 'public-url',
    api,
    registration: { ...registrationBase, publicUrl, confirm: api.target.isProduction && !flags.yes },
  };
}

/** `--public-url` with a path of its own is used as it is; a bare origin gets `--path` appended. */
export function webhookUrlFor(publicUrl: string, path: string): string {
  const url = new URL(publicUrl);
  if (url.pathname !== '/' && url.pathname !== '') return publicUrl;
  return `${url.origin}${path}${url.search}`;
}

function parsePublicUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.protocol === 'https:' || url.protocol === 'http:') return text;
  } catch {
    // Reported below.
  }
  throw usageError('BAD_PUBLIC_URL', `--public-url ${JSON.stringify(text)} is not an http(s) URL.`, 'Pass the public https URL of your tunnel, e.g. https://abc.trycloudflare.com.');
}

function requireWebhookKey(key: Sourced<string> | undefined, why: string): Sourced<string> {
  if (key !== undefined) return key;
  throw usageError(
    'NO_WEBHOOK_KEY',
    `No webhook key: listen cannot verify requests ${why} without it.`,
    'Pass --webhook-key <key> or set METRIPORT_WEBHOOK_KEY (GET /settings shows it as webhookKey).',
  );
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
