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
 * finishes what it must), a second SIGINT or SIGTERM exits at once with 130, after saying what that leaves
 * undone. A SIGHUP means the terminal is gone: it never forces (a closing terminal may send it more than once),
 * and what the handler prints may go nowhere, so a failed write never keeps the stop from happening.
 */
export function stopOnSignals(input: {
  /** Where `onStop` and `onForce` say what they say. */
  stderr?: NodeJS.WritableStream;
  onStop?: (signal: NodeJS.Signals) => string | undefined;
  onForce?: (signal: NodeJS.Signals) => string | undefined;
}): SignalStop {
  const controller = new AbortController();
  const say = (text: string | undefined) => {
    if (text === undefined) return;
    try {
      input.stderr?.write(text);
    } catch {
      // The terminal is gone (EIO) or its reader is (EPIPE): nobody is left to read it.
    }
  };
  const handle = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      if (signal === 'SIGHUP') return;
      say(input.onForce?.(signal));
      exitNow(130);
    }
    say(input.onStop?.(signal));
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
