import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { requireApiKey } from '../config/api-config.js';
import { type ApiTarget, describeTarget } from '../metriport/target.js';
import type { ListenConfig, TunnelConfig } from '../config/listen-config.js';
import { authtokenFromNgrokConfig, ngrokConfigPaths } from '../config/ngrok-config.js';
import { registrationFile, stateDir } from '../config/paths.js';
import type { Sourced } from '../config/sources.js';
import { DEFAULT_EMULATOR_API_KEY, type RunningEmulator, startEmulator } from '../emulator/app.js';
import { listMessageTypes, newSampleMessage } from '../fixtures/samples.js';
import { createMetriportClient } from '../metriport/client.js';
import type { SessionEvent } from '../session/events.js';
import type { ListenDependencies } from '../session/listen-session.js';
import { fileStateStore, memoryStateStore } from '../session/restore.js';
import { type TunnelOpener, publicUrlTunnel } from '../tunnel/tunnel.js';
import { askYesNo, isProcessAlive } from './context.js';

/**
 * Builds what the listen engine is given for this configuration: the Metriport client and state store,
 * the tunnel opener, and for `--emulator` an in-process emulator. `close()` stops what was started here.
 */
export async function buildListenDependencies(
  config: ListenConfig,
  input: { publish: (event: SessionEvent) => void; signal: AbortSignal; env: Record<string, string | undefined> },
): Promise<{ deps: ListenDependencies; close(): Promise<void> }> {
  const deps: ListenDependencies = { publish: input.publish, signal: input.signal, now: () => new Date(), openTunnel: tunnelOpener(config.tunnel) };
  let emulator: RunningEmulator | undefined;
  if (config.mode === 'emulator') {
    emulator = await startEmulator({ host: '127.0.0.1', port: 0, apiKey: DEFAULT_EMULATOR_API_KEY, allowLocalUrls: true });
    deps.registration = registrationDeps(config, { target: describeTarget(emulator.url, 'listen --emulator'), apiKey: DEFAULT_EMULATOR_API_KEY, env: input.env, inMemory: true });
    deps.afterRegistration = sendOneOfEach(emulator, input.publish);
    input.publish({ type: 'info', at: new Date(), message: emulatorInstructions(emulator.url) });
  } else if (config.registration !== undefined && config.api !== undefined) {
    deps.registration = registrationDeps(config, { target: config.api.target, apiKey: requireApiKey(config.api), env: input.env, inMemory: false });
  }
  return { deps, close: async () => emulator?.close() };
}

/** What to run from another terminal against `listen --emulator` (the key is the emulator's public default). */
function emulatorInstructions(apiUrl: string): string {
  return [
    `Emulator API: ${apiUrl} (API key: ${DEFAULT_EMULATOR_API_KEY}). From another terminal:`,
    `  export METRIPORT_API_URL=${apiUrl} METRIPORT_API_KEY=${DEFAULT_EMULATOR_API_KEY}`,
    `  metriport-webhook trigger medical.document-download --via-api`,
    `  metriport-webhook status`,
    `  metriport-webhook retry --wait`,
  ].join('\n');
}

function tunnelOpener(tunnel: TunnelConfig | undefined): TunnelOpener | undefined {
  if (tunnel === undefined) return undefined;
  if (tunnel.kind === 'public-url') return publicUrlTunnel(tunnel.url);
  return async (options) => {
    const { openNgrokTunnel } = await import('../tunnel/ngrok.js');
    return openNgrokTunnel({ ...options, authtoken: tunnel.authtoken.value, domain: tunnel.domain, timeoutMs: tunnel.timeoutMs, lostAfterMs: tunnel.lostAfterMs });
  };
}

/** The authtoken that `ngrok config add-authtoken` saved, so ngrok users need no extra set-up. */
export function readNgrokConfigAuthtoken(env: Record<string, string | undefined>): Sourced<string> | undefined {
  for (const path of ngrokConfigPaths({ env, home: homedir(), platform: process.platform })) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    const token = authtokenFromNgrokConfig(text);
    if (token !== undefined) return { value: token, source: 'default', origin: path };
  }
  return undefined;
}

function registrationDeps(
  config: ListenConfig,
  input: { target: ApiTarget; apiKey: string; env: Record<string, string | undefined>; inMemory: boolean },
): NonNullable<ListenDependencies['registration']> {
  const client = createMetriportClient({ target: input.target, apiKey: input.apiKey });
  // The in-process emulator dies with this process, so there is nothing to restore after a crash.
  const store = input.inMemory ? memoryStateStore() : fileStateStore(registrationFile(stateDir(input.env, homedir()), input.target.baseUrl));
  return {
    client,
    store,
    pid: process.pid,
    isProcessAlive,
    confirm: config.registration?.confirm
      ? async ({ currentUrl, newUrl, target }) =>
          askYesNo(`Replace the webhook URL of ${target}?\n  current: ${currentUrl ?? '(none)'}\n  new:     ${newUrl}\n(restored when listen exits)`)
      : undefined,
  };
}

/** `listen --emulator`: once registered and pinged, the emulator sends one sample of each type. */
function sendOneOfEach(emulator: RunningEmulator, publish: (event: SessionEvent) => void) {
  return async (signal: AbortSignal) => {
    const types = listMessageTypes();
    publish({ type: 'info', at: new Date(), message: `The emulator now sends one sample of each of ${types.length} message types.` });
    for (const type of types) {
      if (signal.aborted) return;
      const sample = newSampleMessage(type, new Date());
      if (sample !== undefined) await emulator.account.send(sample);
    }
  };
}
