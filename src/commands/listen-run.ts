import { describeSources } from '../config/describe-sources.js';
import { type ListenFlags, resolveListenConfig } from '../config/listen-config.js';
import { colorLevel, createPalette } from '../output/color.js';
import { createJsonSink } from '../output/json.js';
import { createLogSink } from '../output/log.js';
import { createPrettySink } from '../output/pretty.js';
import { batchedOutput, fanOut } from '../output/sink.js';
import type { SessionEvent } from '../session/events.js';
import { runListenSession } from '../session/listen-session.js';
import { isInteractive, processContext } from './context.js';
import { buildListenDependencies, readNgrokConfigAuthtoken } from './listen-deps.js';
import { withSpinner } from './spinner-sink.js';

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
      // Last, so whatever the other sinks wrote on close is flushed too.
      { write: () => undefined, close: async () => stdout.flush() },
    ]),
    { enabled: context.stderr.isTTY === true, stream: context.stderr },
  );
  const publish = (event: SessionEvent) => sink.write(event);
  if (config.verbose) publish({ type: 'info', at: new Date(), message: `Settings:\n${describeSources(config)}` });

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
  // `listen --json | head -1`: when the reader goes away, stop as on Ctrl-C, so the URL is still restored.
  const onOutputClosed = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' || controller.signal.aborted) return;
    context.stderr.write('stdout was closed by its reader: stopping.\n');
    controller.abort();
  };
  context.stdout.on('error', onOutputClosed);

  let dependencies: Awaited<ReturnType<typeof buildListenDependencies>> | undefined;
  try {
    dependencies = await buildListenDependencies(config, { publish, signal: controller.signal, env: context.env });
    await runListenSession(config, dependencies.deps);
    return 0;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    await dependencies?.close();
    context.stdout.off('error', onOutputClosed);
    await sink.close();
  }
}
