import { type ListenFlags, resolveListenConfig } from '../config/listen-config.js';
import { colorLevel, createPalette } from '../output/color.js';
import { createJsonSink } from '../output/json.js';
import { createLogSink } from '../output/log.js';
import { createPrettySink } from '../output/pretty.js';
import { fanOut } from '../output/sink.js';
import { runListenSession } from '../session/listen-session.js';
import { processContext } from './context.js';

/** Wires `listen` to the process: config from flags and env, sinks on stdout/stderr, signals to an AbortSignal. */
export async function runListenCommand(flags: ListenFlags): Promise<number> {
  const context = processContext();
  const config = resolveListenConfig(flags, context.env, context.dotenv);
  const errPalette = createPalette(colorLevel({ isTTY: context.stderr.isTTY === true, env: context.env }));
  const outPalette = createPalette(colorLevel({ isTTY: context.stdout.isTTY === true, env: context.env }));
  const sink = fanOut([
    createLogSink({ err: context.stderr, palette: errPalette }),
    config.json ? createJsonSink(context.stdout) : createPrettySink({ out: context.stdout, palette: outPalette, full: config.full }),
  ]);

  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      context.stderr.write(`Second ${signal}: exiting now; requests in flight were not answered.\n`);
      process.exit(130);
    }
    context.stderr.write(`${signal}: stopping; letting requests in flight finish (press Ctrl-C again to force).\n`);
    controller.abort();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onSignal);
  try {
    await runListenSession(config, { publish: (event) => sink.write(event), signal: controller.signal, now: () => new Date() });
    return 0;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    await sink.close();
  }
}
