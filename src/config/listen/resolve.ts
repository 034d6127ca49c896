import { MwError, usageError } from '../../errors.js';
import { assertRegistrable } from '../../metriport/url-rules.js';
import { NEXT } from '../../next-command.js';
import { requireApiKey, resolveApiConfig } from '../api-config.js';
import { DEFAULT_INSPECTOR_PORT } from '../defaults.js';
import { requirePort } from '../port.js';
import { type Env, pick, type Sourced } from '../sources.js';
import { pickWebhookKey, requireWebhookKey } from '../webhook-key.js';
import type { InspectorConfig, ListenConfig, RegistrationConfig } from './listen-config.js';
import type { ListenFlags } from './listen-options.js';
import { resolveForward } from './resolve-forward.js';
import { resolveReceiver } from './resolve-receiver.js';
import { resolveTunnel, webhookUrlFor } from './resolve-tunnel.js';

/** Facts about the terminal and the machine that the pure resolver needs. */
export interface ListenContext {
  /** stdin and stderr are terminals, so a question can be asked. */
  interactive: boolean;
  /** The authtoken in ngrok's own config file, if any (the caller reads the file). */
  ngrokConfigAuthtoken?: Sourced<string> | undefined;
  /** This user's id, for the ownership of an existing `--jsonl` file (undefined: not checked). */
  uid?: number | undefined;
}

/** Metriport pings right after a URL change: its verdict is read shortly after our pong, or this long after registering. */
export const HEALTH_AFTER_PING_MS = 500;
export const HEALTH_FALLBACK_MS = 3000;

/** A first run with nothing set up hears about everything it lacks at once, not one thing per attempt. */
function assertNothingMissing(flags: ListenFlags, env: Env, dotenv: Env, context: ListenContext): void {
  const noApiKey = resolveApiConfig(flags, env, dotenv).apiKey === undefined;
  const noAuthtoken =
    flags.publicUrl === undefined &&
    pick({ flag: flags.ngrokAuthtoken, flagName: '--ngrok-authtoken', env, dotenv, envName: 'NGROK_AUTHTOKEN' }) === undefined &&
    context.ngrokConfigAuthtoken === undefined;
  if (!(noApiKey && noAuthtoken)) return;
  throw new MwError('listen needs a Metriport API key and an ngrok authtoken, and neither was found.', {
    code: 'NOTHING_CONFIGURED',
    category: 'auth',
    hint: `Set METRIPORT_API_KEY and NGROK_AUTHTOKEN (or put them in .env), pass --public-url for a tunnel of your own, or try ${NEXT} (no account, no network).`,
    next: { command: 'listen', flags: { '--emulator': true } },
  });
}

function resolveInspector(flags: ListenFlags): InspectorConfig | undefined {
  if (flags.inspect === false) {
    if (flags.inspectPort !== undefined)
      throw usageError(
        'INSPECT_CONFLICT',
        '--no-inspect and --inspect-port contradict each other.',
        'Keep --inspect-port to choose the port, or --no-inspect to serve no inspector.',
      );
    return undefined;
  }
  return {
    port: requirePort(flags.inspectPort ?? String(DEFAULT_INSPECTOR_PORT), '--inspect-port'),
    portChosen: flags.inspectPort !== undefined,
  };
}

function previewMode(flags: ListenFlags): 'preview' | 'full' | 'none' {
  if (flags.full && flags.preview === false) {
    throw usageError(
      'PREVIEW_CONFLICT',
      '--full and --no-preview contradict each other.',
      'Keep --full for whole payloads, or --no-preview for one line per message.',
    );
  }
  return flags.full ? 'full' : flags.preview === false ? 'none' : 'preview';
}

/** Pure: flags + environment + `.env` values → a complete, checked listen configuration, one shape per mode. */
export function resolveListenConfig(
  flags: ListenFlags,
  env: Env,
  dotenv: Env,
  context: ListenContext = { interactive: false },
): ListenConfig {
  const { receiver, warnings } = resolveReceiver(flags);
  const common = {
    receiver,
    inspector: resolveInspector(flags),
    capture: { outDir: flags.out, jsonlFile: flags.jsonl, uid: context.uid },
    forward: resolveForward(flags),
    output: { json: flags.json ?? false, preview: previewMode(flags), verbose: flags.verbose ?? false },
    warnings,
  };
  const webhookKey = pickWebhookKey(flags.webhookKey, env, dotenv);
  const registration = (confirm: boolean): RegistrationConfig => ({
    keepUrl: flags.keepUrl ?? false,
    force: flags.force ?? false,
    confirm,
    health: { afterPingMs: HEALTH_AFTER_PING_MS, fallbackMs: HEALTH_FALLBACK_MS },
  });

  if (flags.emulator) {
    if (flags.publicUrl !== undefined || flags.apiUrl !== undefined || flags.env !== undefined || flags.tunnel === false) {
      throw usageError(
        'EMULATOR_CONFLICT',
        '--emulator runs its own local API and needs no tunnel.',
        'Drop --public-url, --api-url, --env and --no-tunnel, or drop --emulator.',
      );
    }
    return { ...common, mode: 'emulator', webhookKey, registration: registration(false) };
  }

  if (flags.tunnel === false) {
    if (flags.publicUrl !== undefined) {
      throw usageError(
        'TUNNEL_CONFLICT',
        '--no-tunnel and --public-url contradict each other.',
        'Keep --public-url to register your own tunnel, or --no-tunnel for local-only work.',
      );
    }
    return {
      ...common,
      mode: 'local',
      webhookKey: requireWebhookKey({ key: webhookKey, purpose: 'listen cannot verify requests with --no-tunnel without it' }),
    };
  }

  if (flags.register !== false) assertNothingMissing(flags, env, dotenv, context);
  const tunnel = resolveTunnel({ flags, env, dotenv, ngrokConfigAuthtoken: context.ngrokConfigAuthtoken });
  if (flags.register === false) {
    return {
      ...common,
      mode: 'unregistered',
      tunnel,
      webhookKey: requireWebhookKey({ key: webhookKey, purpose: 'listen cannot verify requests with --no-register without it' }),
    };
  }
  const api = resolveApiConfig(flags, env, dotenv);
  const apiKey = requireApiKey(api);
  // A URL known now is checked now, before any network call; an ngrok URL is checked once the tunnel is open.
  if (tunnel.kind === 'public-url') assertRegistrable(webhookUrlFor(tunnel.url, receiver.path), api.target);
  if (api.target.isProduction && !flags.yes && !context.interactive) {
    throw new MwError('Refusing to change the production webhook URL without confirmation.', {
      code: 'PRODUCTION_NEEDS_YES',
      category: 'usage',
      hint: 'Pass --yes to replace it (the old URL is restored on exit), or use --env sandbox.',
    });
  }
  return {
    ...common,
    mode: 'registered',
    webhookKey,
    tunnel,
    api: { target: api.target, apiKey },
    registration: registration(api.target.isProduction && !flags.yes),
  };
}
