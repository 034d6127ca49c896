import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { authtokenFromNgrokConfig, ngrokConfigPaths } from '../config/ngrok-config.js';
import type { Sourced } from '../config/sources.js';
import { type TunnelOpener, publicUrlTunnel } from '../tunnel/tunnel.js';
import { withSpinner } from './spinner-sink.js';
import { describeTarget, requireApiKey } from '../config/api-config.js';
import { type ListenConfig, type ListenFlags, type TunnelConfig, resolveListenConfig } from '../config/listen-config.js';
import { registrationFile, stateDir } from '../config/paths.js';
import { DEFAULT_EMULATOR_API_KEY, type RunningEmulator, startEmulator } from '../emulator/app.js';
import { listSampleTypes, newSampleMessage } from '../fixtures/samples.js';
import { createMetriportClient } from '../metriport/client.js';
import { colorLevel, createPalette } from '../output/color.js';
import { createJsonSink } from '../output/json.js';
import { createLogSink } from '../output/log.js';
import { createPrettySink } from '../output/pretty.js';
import { batchedOutput, fanOut } from '../output/sink.js';
import type { SessionEvent } from '../session/events.js';
import { type ListenDependencies, runListenSession } from '../session/listen-session.js';
import { fileStateStore, memoryStateStore } from '../session/restore.js';
import { askYesNo, isInteractive, isProcessAlive, processContext } from './context.js';

/** Wires `listen` to the process: config from flags and env, sinks on stdout/stderr, signals to an AbortSignal. */
export async function runListenCommand(flags: ListenFlags): Promise<number> {
  const context = processContext();
  const config = resolveListenConfig(flags, context.env, context.dotenv, {
    interactive: isInteractive(),
    ngrokConfigAuthtoken: flags.publicUrl === undefined ? readNgrokConfigAuthtoken(context.env) : undefined,
  });
  const errPalette = createPalette(colorLevel({ isTTY: context.stderr.isTTY === true, env: context.env }));
  const outPalette = createPalette(colorLevel({ isTTY: context.stdout.isTTY === true, env: context.env }));
  const stdout = batchedOutput(context.stdout);
  const sink = await withSpinner(
    fanOut([
      createLogSink({ err: context.stderr, palette: errPalette, verbose: config.verbose }),
      config.json ? createJsonSink(stdout) : createPrettySink({ out: stdout, palette: outPalette, full: config.full }),
      { write: () => undefined, close: async () => stdout.flush() },
    ]),
    { enabled: context.stderr.isTTY === true, stream: context.stderr },
  );
  const publish = (event: SessionEvent) => sink.write(event);

  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      stdout.flush();
      context.stderr.write(`Second ${signal}: exiting now without finishing requests in flight or restoring the webhook URL; run \`metriport-webhook restore\` to put it back.\n`);
      process.exit(130);
    }
    context.stderr.write(`${signal}: stopping; letting requests in flight finish (press Ctrl-C again to force).\n`);
    controller.abort();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onSignal);

  let emulator: RunningEmulator | undefined;
  try {
    const deps: ListenDependencies = { publish, signal: controller.signal, now: () => new Date() };
    if (config.mode === 'emulator') {
      emulator = await startEmulator({ host: '127.0.0.1', port: 0, apiKey: DEFAULT_EMULATOR_API_KEY, allowLocalUrls: true });
      deps.registration = registrationDeps(config, { baseUrl: emulator.url, apiKey: DEFAULT_EMULATOR_API_KEY, env: context.env, inMemory: true });
      deps.afterRegistration = sendOneOfEach(emulator, publish);
      const apiUrl = emulator.url;
      publish({
        type: 'info',
        at: new Date(),
        message: [
          `Emulator API: ${apiUrl} (API key: ${DEFAULT_EMULATOR_API_KEY}). From another terminal:`,
          `  export METRIPORT_API_URL=${apiUrl} METRIPORT_API_KEY=${DEFAULT_EMULATOR_API_KEY}`,
          `  metriport-webhook trigger medical.document-download --via-api`,
          `  metriport-webhook status`,
          `  metriport-webhook retry --wait`,
        ].join('\n'),
      });
    } else if (config.registration !== undefined && config.api !== undefined) {
      deps.registration = registrationDeps(config, { baseUrl: config.api.target.baseUrl, apiKey: requireApiKey(config.api), env: context.env, inMemory: false });
    }
    deps.openTunnel = tunnelOpener(config.tunnel);
    await runListenSession(config, deps);
    return 0;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    await emulator?.close();
    await sink.close();
  }
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
function readNgrokConfigAuthtoken(env: Record<string, string | undefined>): Sourced<string> | undefined {
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
  input: { baseUrl: string; apiKey: string; env: Record<string, string | undefined>; inMemory: boolean },
): NonNullable<ListenDependencies['registration']> {
  const client = createMetriportClient({ target: describeTarget(input.baseUrl), apiKey: input.apiKey });
  // The in-process emulator dies with this process, so there is nothing to restore after a crash.
  const store = input.inMemory ? memoryStateStore() : fileStateStore(registrationFile(stateDir(input.env, homedir()), input.baseUrl));
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
    const types = listSampleTypes().filter((type) => type !== 'ping');
    publish({ type: 'info', at: new Date(), message: `The emulator now sends one sample of each of ${types.length} message types.` });
    for (const type of types) {
      if (signal.aborted) return;
      const sample = newSampleMessage(type, new Date());
      if (sample !== undefined) await emulator.dispatcher.send(sample);
    }
  };
}
