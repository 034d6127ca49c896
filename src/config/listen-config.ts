import { MwError, usageError } from '../errors.js';
import { assertRegistrable } from '../metriport/url-rules.js';
import type { ForwardConfig } from '../session/forwarder.js';
import { parseDuration } from './duration.js';
import { parsePort } from './port.js';
import { pickWebhookKey, requireWebhookKey } from './webhook-key.js';
import { type ApiConfig, requireApiKey, resolveApiConfig } from './api-config.js';
import { parseSize } from './size.js';
import { type Env, type Sourced, pick } from './sources.js';

import { DEFAULT_HOST, DEFAULT_MAX_BODY, DEFAULT_PATH, DEFAULT_PORT } from './defaults.js';

export { DEFAULT_HOST, DEFAULT_MAX_BODY, DEFAULT_PATH, DEFAULT_PORT };
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
  ngrokAuthtoken?: string;
  ngrokDomain?: string;
  forwardTo?: string;
  header?: string[];
  forwardTimeout?: string;
  forwardConcurrency?: string;
  ack?: boolean;
  verbose?: boolean;
}

/** Facts about the terminal that the pure resolver needs. */
export interface ListenContext {
  /** stdin and stderr are terminals, so a question can be asked. */
  interactive: boolean;
  /** The authtoken in ngrok's own config file, if any (the caller reads the file). */
  ngrokConfigAuthtoken?: Sourced<string> | undefined;
}

export type ListenMode = 'local' | 'public-url' | 'ngrok' | 'emulator';

export type TunnelConfig =
  | { kind: 'public-url'; url: string }
  | { kind: 'ngrok'; authtoken: Sourced<string>; domain: string | undefined; timeoutMs: number; lostAfterMs: number };

/** Opening an ngrok tunnel is raced against this; after a drop, this long without reconnecting ends listen. */
export const NGROK_OPEN_TIMEOUT_MS = 20_000;
export const NGROK_LOST_AFTER_MS = 60_000;
export const DEFAULT_FORWARD_TIMEOUT = '4000ms';
export const DEFAULT_FORWARD_CONCURRENCY = 4;

export interface RegistrationConfig {
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
  /** How the receiver is reached from outside; absent for local-only and the emulator. */
  tunnel: TunnelConfig | undefined;
  forward: ForwardConfig | undefined;
  verbose: boolean;
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
  const webhookKey = pickWebhookKey(flags.webhookKey, env, dotenv);
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
    forward: parseForward(flags),
    verbose: flags.verbose ?? false,
    warnings,
  };
  const registrationBase = { keepUrl: flags.keepUrl ?? false, force: flags.force ?? false, healthCheckDelayMs: HEALTH_CHECK_DELAY_MS };

  if (flags.emulator) {
    if (flags.publicUrl !== undefined || flags.apiUrl !== undefined || flags.env !== undefined || flags.tunnel === false) {
      throw usageError('EMULATOR_CONFLICT', '--emulator runs its own local API and needs no tunnel.', 'Drop --public-url, --api-url, --env and --no-tunnel, or drop --emulator.');
    }
    return { ...common, mode: 'emulator', api: undefined, tunnel: undefined, registration: { ...registrationBase, confirm: false } };
  }

  if (flags.tunnel === false) {
    if (flags.publicUrl !== undefined) {
      throw usageError('TUNNEL_CONFLICT', '--no-tunnel and --public-url contradict each other.', 'Keep --public-url to register your own tunnel, or --no-tunnel for local-only work.');
    }
    return { ...common, mode: 'local', api: undefined, tunnel: undefined, registration: undefined, webhookKey: requireWebhookKey(webhookKey, 'listen cannot verify requests with --no-tunnel without it') };
  }

  const tunnel = resolveTunnel(flags, env, dotenv, context);
  const mode = tunnel.kind;
  if (flags.register === false) {
    return { ...common, mode, api: undefined, tunnel, registration: undefined, webhookKey: requireWebhookKey(webhookKey, 'listen cannot verify requests with --no-register without it') };
  }
  const api = resolveApiConfig(flags, env, dotenv);
  requireApiKey(api);
  // A URL known now is checked now, before any network call; an ngrok URL is checked once the tunnel is open.
  if (tunnel.kind === 'public-url') assertRegistrable(webhookUrlFor(tunnel.url, path), api.target);
  if (api.target.isProduction && !flags.yes && !context.interactive) {
    throw new MwError(`Refusing to change the production webhook URL without confirmation.`, {
      code: 'PRODUCTION_NEEDS_YES',
      category: 'usage',
      hint: 'Pass --yes to replace it (the old URL is restored on exit), or use --env sandbox.',
    });
  }
  return {
    ...common,
    mode,
    api,
    tunnel,
    registration: { ...registrationBase, confirm: api.target.isProduction && !flags.yes },
  };
}

function resolveTunnel(flags: ListenFlags, env: Env, dotenv: Env, context: ListenContext): TunnelConfig {
  if (flags.publicUrl !== undefined) return { kind: 'public-url', url: parsePublicUrl(flags.publicUrl) };
  const authtoken =
    pick({ flag: flags.ngrokAuthtoken, flagName: '--ngrok-authtoken', env, dotenv, envName: 'NGROK_AUTHTOKEN' }) ?? context.ngrokConfigAuthtoken;
  if (authtoken === undefined) {
    throw new MwError('ngrok needs an authtoken to open a tunnel, and none was found.', {
      code: 'NGROK_NO_AUTHTOKEN',
      category: 'auth',
      hint: 'Get one at https://dashboard.ngrok.com/get-started/your-authtoken and set NGROK_AUTHTOKEN, or pass --public-url (your own tunnel), --emulator or --no-tunnel.',
    });
  }
  const domain = pick({ flag: flags.ngrokDomain, flagName: '--ngrok-domain', env, dotenv, envName: 'NGROK_DOMAIN' })?.value;
  return { kind: 'ngrok', authtoken, domain, timeoutMs: NGROK_OPEN_TIMEOUT_MS, lostAfterMs: NGROK_LOST_AFTER_MS };
}

function parseForward(flags: ListenFlags): ForwardConfig | undefined {
  const extras = flags.header ?? [];
  if (flags.forwardTo === undefined) {
    if (extras.length > 0 || flags.ack || flags.forwardTimeout !== undefined || flags.forwardConcurrency !== undefined) {
      throw usageError('FORWARD_FLAGS_WITHOUT_TARGET', '--header, --ack, --forward-timeout and --forward-concurrency need --forward-to.', 'Add --forward-to <your app URL>, e.g. http://127.0.0.1:3000/webhook.');
    }
    return undefined;
  }
  let target: URL | undefined;
  try {
    target = new URL(flags.forwardTo);
  } catch {
    target = undefined;
  }
  if (target === undefined || (target.protocol !== 'http:' && target.protocol !== 'https:')) {
    throw usageError('BAD_FORWARD_URL', `--forward-to ${JSON.stringify(flags.forwardTo)} is not an http(s) URL.`, 'Pass your app\'s webhook URL, e.g. http://127.0.0.1:3000/webhook.');
  }
  const headers: Record<string, string> = {};
  for (const header of extras) {
    const colon = header.indexOf(':');
    const name = header.slice(0, colon).trim();
    if (colon <= 0 || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
      throw usageError('BAD_HEADER', `--header ${JSON.stringify(header)} is not "Name: value".`, 'Write it like --header "Authorization: Bearer dev-token".');
    }
    headers[name.toLowerCase()] = header.slice(colon + 1).trim();
  }
  const timeoutMs = parseDuration(flags.forwardTimeout ?? DEFAULT_FORWARD_TIMEOUT, 'ms');
  if (timeoutMs === undefined) {
    throw usageError('BAD_FORWARD_TIMEOUT', `--forward-timeout ${JSON.stringify(flags.forwardTimeout)} is not a duration.`, 'Pass milliseconds (4000) or a duration (4s); keep it under Metriport\'s 5 s.');
  }
  const concurrency = Number(flags.forwardConcurrency ?? DEFAULT_FORWARD_CONCURRENCY);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw usageError('BAD_FORWARD_CONCURRENCY', `--forward-concurrency ${JSON.stringify(flags.forwardConcurrency)} is not a number from 1 to 256.`, 'Pass e.g. --forward-concurrency 4.');
  }
  return { url: flags.forwardTo, headers, timeoutMs, concurrency, ack: flags.ack ?? false };
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
