import { captureGitNotices } from '../../capture/git-exposure.js';
import type { ListenConfig } from '../../config/listen/listen-config.js';
import { type ListenContext, resolveListenConfig } from '../../config/listen/resolve.js';
import type { RunningEmulator } from '../../emulator/app.js';
import { sendOneOfEach } from '../../emulator/send-samples.js';
import { type RunningInspector, startInspector } from '../../inspector/inspector-server.js';
import { createInspectorStore } from '../../inspector/inspector-store.js';
import type { SessionEvent } from '../../listen/events.js';
import { runListenSession } from '../../listen/listen-session.js';
import { colorLevel, createPalette } from '../../output/color.js';
import { createJsonSink } from '../../output/json-sink.js';
import { createLogSink } from '../../output/log-sink.js';
import { createPrettySink } from '../../output/pretty-sink.js';
import { describeSources } from '../../output/settings.js';
import { batchedOutput, fanOut } from '../../output/sink.js';
import { listMessageTypes } from '../../samples/samples.js';
import { isInteractive, processContext } from '../shared/process.js';
import { stopOnSignals } from '../shared/signals.js';
import { withSpinner } from '../shared/spinner-sink.js';
import type { ListenCommandFlags } from './command.js';
import { buildListenWiring, readNgrokConfigAuthtoken } from './deps.js';

/** Wires `listen` to the process: config from flags and env, sinks on stdout/stderr, signals to an AbortSignal. */
export async function runListenCommand(flags: ListenCommandFlags): Promise<number> {
  const context = processContext();
  const resolveContext: ListenContext = {
    interactive: isInteractive(),
    ngrokConfigAuthtoken: flags.publicUrl === undefined ? readNgrokConfigAuthtoken(context.env) : undefined,
  };
  const config = resolveListenConfig(flags, context.env, context.dotenv, resolveContext);
  const errPalette = createPalette(colorLevel({ isTTY: context.stderr.isTTY === true, env: context.env }));
  const outPalette = createPalette(colorLevel({ isTTY: context.stdout.isTTY === true, env: context.env }));
  const stdout = batchedOutput(context.stdout);
  const sink = await withSpinner(
    fanOut([
      createLogSink({
        err: context.stderr,
        palette: errPalette,
        verbose: config.output.verbose,
        invocation: context.invocation,
        messagesShown: !config.output.json,
        captures: config.capture,
        emulator: config.mode === 'emulator',
      }),
      config.output.json
        ? createJsonSink(stdout)
        : createPrettySink({ out: stdout, palette: outPalette, preview: config.output.preview, verbose: config.output.verbose }),
      // Last, so whatever the other sinks wrote on close is flushed too.
      { write: () => undefined, close: async () => stdout.flush() },
    ]),
    { enabled: context.stderr.isTTY === true, stream: context.stderr },
  );
  const controller = new AbortController();
  let emulator: RunningEmulator | undefined;
  const inspectorStore = config.inspector === undefined ? undefined : createInspectorStore();
  let inspector: RunningInspector | undefined;
  let listenerUrl: string | undefined;
  let webhookKey: string | undefined;
  const publish = (event: SessionEvent) => {
    inspectorStore?.record(event);
    if (event.type === 'ready') {
      listenerUrl = event.localUrl;
      sink.write({ ...event, inspectorUrl: inspector?.url });
    } else {
      sink.write(event);
    }
    // `--emulator`: once the listener is registered and ready, the emulator sends one sample of each type.
    if (event.type === 'ready' && emulator !== undefined) {
      const hints = emulatorInstructions(emulator.url, context.invocation);
      publish({
        type: 'info',
        at: new Date(),
        message: `The emulator now sends one sample of each of ${listMessageTypes().length} message types.`,
      });
      void sendOneOfEach({ account: emulator.account, signal: controller.signal, now: () => new Date() }).then(() => {
        // After ~20 messages the hints and the inspector's address have scrolled away: say them again, last.
        const again = inspector === undefined ? hints : `${hints}\nInspector (every request, its headers, replay): ${inspector.url}`;
        if (!controller.signal.aborted) publish({ type: 'info', at: new Date(), message: again });
      });
    }
  };
  for (const message of config.warnings) publish({ type: 'warning', at: new Date(), message });
  if (config.output.verbose) publish({ type: 'info', at: new Date(), message: `Settings:\n${describeSources(config)}` });

  const stop = stopOnSignals({
    stderr: context.stderr,
    onStop: (signal) => `${signal}: stopping; letting requests in flight finish (press Ctrl-C again to force).\n`,
    onForce: (signal) => {
      stdout.flush();
      return `Second ${signal}: exiting now without finishing requests in flight or restoring the webhook URL; run \`${context.invocation} restore\` to put it back.\n`;
    },
  });
  // `listen --json | head -1`: when the reader goes away, stop as on Ctrl-C, so the URL is still restored.
  stop.signal.addEventListener('abort', () => controller.abort(), { once: true });
  const onOutputClosed = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' || controller.signal.aborted) return;
    context.stderr.write('stdout was closed by its reader: stopping.\n');
    controller.abort();
  };
  context.stdout.on('error', onOutputClosed);

  let wiring: Awaited<ReturnType<typeof buildListenWiring>> | undefined;
  try {
    for (const notice of await captureGitNotices(config.capture)) publish({ type: 'warning', at: new Date(), ...notice });
    if (config.inspector !== undefined && inspectorStore !== undefined) {
      inspector = await startInspector({
        port: config.inspector.port,
        fallbackToFreePort: !config.inspector.portChosen,
        store: inspectorStore,
        // A replay goes to this listener's own local URL, signed with the key it verifies with: it passes
        // verification, storage and --forward-to like one of Metriport's retries.
        replayTo: () => (listenerUrl === undefined || webhookKey === undefined ? undefined : { url: listenerUrl, webhookKey }),
      });
      if (inspector.fellBack)
        publish({
          type: 'info',
          at: new Date(),
          message: `The inspector's port ${config.inspector.port} is taken; it uses ${inspector.port} instead (--inspect-port to choose).`,
        });
    }
    wiring = await buildListenWiring(config, { publish, env: context.env });
    emulator = wiring.emulator;
    if (emulator !== undefined) publish({ type: 'info', at: new Date(), message: emulatorInstructions(emulator.url, context.invocation) });
    if (config.forward !== undefined) publish({ type: 'info', at: new Date(), message: forwardKeyHint(config, context.invocation) });
    await runListenSession(sessionOptions(config), {
      verification: wiring.verification,
      openTunnel: wiring.openTunnel,
      publish,
      onWebhookKey: (key) => {
        webhookKey = key;
      },
      signal: controller.signal,
      now: () => new Date(),
    });
    return 0;
  } finally {
    stop.dispose();
    await inspector?.close();
    await wiring?.close();
    context.stdout.off('error', onOutputClosed);
    await sink.close();
  }
}

function sessionOptions(config: ListenConfig) {
  return { receiver: config.receiver, capture: config.capture, forward: config.forward };
}

/**
 * What to run from another terminal against `listen --emulator`, with the flags they need (never an
 * `export` that would outlive this run and steer later commands). The key is the emulator's public default.
 */
function emulatorInstructions(apiUrl: string, invocation: string): string {
  const api = `--api-url ${apiUrl} --api-key local-emulator`;
  return [
    `Emulator API: ${apiUrl} (API key: local-emulator). From another terminal:`,
    `  ${invocation} trigger patient.admit --via-api ${api}`,
    `  ${invocation} status ${api}`,
    `  ${invocation} requests --failed ${api}`,
    `  ${invocation} retry --wait ${api}`,
  ].join('\n');
}

/** `--forward-to`: the app verifies with the account's webhook key; say how to get it. */
function forwardKeyHint(config: ListenConfig, invocation: string): string {
  const api = config.mode === 'emulator' ? ' --api-url <the emulator URL above> --api-key local-emulator' : '';
  return `Your app verifies forwarded requests with the account's webhook key: \`${invocation} key${api}\` shows it (masked; --show for all of it).`;
}
