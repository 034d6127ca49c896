import { exitNow } from '../../exit.js';

export interface SignalStop {
  /** Aborted by the first SIGINT, SIGTERM or SIGHUP. */
  signal: AbortSignal;
  /** Stops listening for the signals (the command is done). */
  dispose(): void;
}

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * The one way a long-running command turns signals into an abort: the first stops gracefully (the command
 * finishes what it must), a second exits at once with 130, after saying what that leaves undone.
 */
export function stopOnSignals(input: {
  /** Where `onStop` and `onForce` say what they say. */
  stderr?: NodeJS.WritableStream;
  onStop?: (signal: NodeJS.Signals) => string | undefined;
  onForce?: (signal: NodeJS.Signals) => string | undefined;
}): SignalStop {
  const controller = new AbortController();
  const handle = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      const said = input.onForce?.(signal);
      if (said !== undefined) input.stderr?.write(said);
      exitNow(130);
    }
    const said = input.onStop?.(signal);
    if (said !== undefined) input.stderr?.write(said);
    controller.abort();
  };
  for (const name of STOP_SIGNALS) process.on(name, handle);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of STOP_SIGNALS) process.off(name, handle);
    },
  };
}
