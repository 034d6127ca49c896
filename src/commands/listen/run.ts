import { captureGitNotices } from '../../capture/git-exposure.js';
import { type ApiConfig, apiHintFlags, apiNamingFlags, resolveApiConfig } from '../../config/api-config.js';
import type { ListenConfig } from '../../config/listen/listen-config.js';
import type { ListenFlags } from '../../config/listen/listen-options.js';
import { type ListenContext, resolveListenConfig } from '../../config/listen/resolve.js';
import { sendOneOfEach } from '../../emulator/send-samples.js';
import { startInspector } from '../../inspector/inspector-server.js';
import { createInspectorStore, type InspectorStore } from '../../inspector/inspector-store.js';
import { openListenSession } from '../../listen/listen-session.js';
import type { FlagMap } from '../../next-command.js';
import { colorLevel, createPalette } from '../../output/color.js';
import { createJsonSink } from '../../output/json-sink.js';
import { createLogSink } from '../../output/log-sink.js';
import { commandLine } from '../../output/next-command.js';
import { createPrettySink } from '../../output/pretty-sink.js';
import { describeSources } from '../../output/settings.js';
import { batchedOutput, fanOut, type Sink } from '../../output/sink.js';
import { listMessageTypes } from '../../samples/samples.js';
import { type CommandContext, isInteractive, processContext } from '../shared/process.js';
import { stopOnSignals } from '../shared/signals.js';
import { withSpinner } from '../shared/spinner-sink.js';

import { buildListenWiring, readNgrokConfigAuthtoken } from './deps.js';

/**
 * Wires `listen` to the process: config from flags and env, sinks on stdout/stderr (the inspector's history
 * is one of them), signals to a stop. The session starts its receiver, then the inspector starts on it, then
 * the session connects (tunnel, registration, ready); with `--emulator` the emulator then sends its tour.
 */
export async function runListenCommand(flags: ListenFlags): Promise<number> {
  const context = processContext();
  const resolveContext: ListenContext = {
    interactive: isInteractive(),
    ngrokConfigAuthtoken: flags.publicUrl === undefined ? readNgrokConfigAuthtoken(context.env) : undefined,
    uid: process.getuid?.(),
  };
  const config = resolveListenConfig(flags, context.env, context.dotenv, resolveContext);
  const history = config.inspector === undefined ? undefined : createInspectorStore();
  // The commands it suggests (`retry`) reach the API this listen registered with.
  const api = config.mode === 'registered' ? resolveApiConfig(flags, context.env, context.dotenv) : undefined;
  const apiFlags = api === undefined ? undefined : apiHintFlags(api);
  const output = listenOutput(config, context, apiFlags);
  const sink = await withSpinner(fanOut(history === undefined ? [output.sink] : [history, output.sink]), {
    enabled: context.stderr.isTTY === true,
    stream: context.stderr,
  });
  const publish = sink.write;
  for (const message of config.warnings) publish({ type: 'warning', at: new Date(), message });
  if (config.output.verbose) publish({ type: 'info', at: new Date(), message: `Settings:\n${describeSources(config)}` });

  const stop = stopOnSignals({
    stderr: context.stderr,
    onStop: (signal) => `${signal}: stopping; letting requests in flight finish (press Ctrl-C again to force).\n`,
    onForce: (signal) => {
      output.flush();
      return `Second ${signal}: exiting now without finishing requests in flight${forcedExitLeaves(config, context, api)}.\n`;
    },
  });
  // `listen --json | head -1`: when the reader goes away, stop as on Ctrl-C, so the URL is still restored.
  const stopped = new AbortController();
  stop.signal.addEventListener('abort', () => stopped.abort(), { once: true });
  const onOutputClosed = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' || stopped.signal.aborted) return;
    context.stderr.write('stdout was closed by its reader: stopping.\n');
    stopped.abort();
  };
  context.stdout.on('error', onOutputClosed);

  const closing: Array<() => Promise<void>> = [];
  try {
    for (const notice of await captureGitNotices(config.capture)) publish({ type: 'warning', at: new Date(), ...notice });
    const wiring = await buildListenWiring(config, { publish, env: context.env });
    closing.push(() => wiring.close());
    const session = await openListenSession(
      { receiver: config.receiver, capture: config.capture, forward: config.forward },
      { account: wiring.account, openTunnel: wiring.openTunnel, publish, signal: stopped.signal, now: () => new Date() },
    );
    closing.push(async () => void (await session.stop().catch(() => undefined)));
    const emulator = wiring.emulator;
    if (config.inspector !== undefined) {
      const inspector = await startInspector({
        port: config.inspector.port,
        fallbackToFreePort: !config.inspector.portChosen,
        store: history as InspectorStore,
        // A replay goes to this listener, signed with the key it verifies with: it passes verification, storage
        // and --forward-to like one of Metriport's retries.
        replay: session,
        // With --emulator, the API calls it answered head the flows they started.
        flowStarts: emulator === undefined ? undefined : { startOf: (requestId) => emulator.medical.flowStart(requestId) },
      });
      closing.push(() => inspector.close());
      publish({
        type: 'inspector-ready',
        url: inspector.url,
        port: inspector.port,
        requestedPort: config.inspector.port,
        fellBack: inspector.fellBack,
      });
    }
    await session.connect();
    if (emulator !== undefined && !session.stopping.aborted) {
      const account = emulator.account;
      const types = listMessageTypes().length;
      publish({ type: 'emulator-tour', phase: 'started', types });
      void sendOneOfEach({ account, signal: session.stopping, now: () => new Date() }).then(() => {
        if (!session.stopping.aborted) publish({ type: 'emulator-tour', phase: 'done', types });
      });
    }
    await session.ended;
    return 0;
  } finally {
    stop.dispose();
    // The session first (it restores the URL through the emulator, when there is one), then what it used.
    for (const close of closing.reverse()) await close();
    context.stdout.off('error', onOutputClosed);
    await sink.close();
  }
}

/**
 * What a forced exit leaves undone besides the requests in flight: a URL registered with an account, and the
 * `restore` that puts it back, naming that API however it was chosen (it is run later, maybe in another shell).
 */
function forcedExitLeaves(config: ListenConfig, context: CommandContext, api: ApiConfig | undefined): string {
  if (config.mode === 'emulator') return '; the emulator stops with it, so there is no URL to put back';
  if (api === undefined) return '';
  const restore = commandLine(
    { command: 'restore', sameApi: true, nameApi: true },
    { invocation: context.invocation, api: apiHintFlags(api), namedApi: apiNamingFlags(api) },
  );
  return ` or restoring the webhook URL; run \`${restore}\` to put it back`;
}

/** The log on stderr, and the terminal view or JSON lines on stdout (written together at the end of each turn). */
function listenOutput(config: ListenConfig, context: CommandContext, apiFlags: FlagMap | undefined): { sink: Sink; flush(): void } {
  const stdout = batchedOutput(context.stdout);
  const colors = (stream: NodeJS.WriteStream) => createPalette(colorLevel({ isTTY: stream.isTTY === true, env: context.env }));
  const log = createLogSink({
    err: context.stderr,
    palette: colors(context.stderr),
    verbose: config.output.verbose,
    invocation: context.invocation,
    apiFlags,
    messagesShown: !config.output.json,
    captures: config.capture,
    forwarding: config.forward !== undefined,
    columns: () => (context.stderr.isTTY === true && context.stderr.columns > 0 ? context.stderr.columns : undefined),
  });
  const view = config.output.json
    ? createJsonSink(stdout)
    : createPrettySink({
        out: stdout,
        palette: colors(context.stdout),
        preview: config.output.preview,
        verbose: config.output.verbose,
        columns: () => (context.stdout.isTTY === true && context.stdout.columns > 0 ? context.stdout.columns : undefined),
      });
  // Last, so whatever the other sinks wrote on close is flushed too.
  const flush: Sink = { write: () => undefined, close: async () => stdout.flush() };
  return { sink: fanOut([log, view, flush]), flush: () => stdout.flush() };
}
