/** A spinner on stderr only where one makes sense: a terminal with columns, and not in `--json` mode. */
export interface Spinner {
  update(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
  /** Clears it without a final line. */
  stop(): void;
}

export type SpinnerOptions = { enabled: boolean; stream: NodeJS.WriteStream };

/** ora spins forever on a terminal with 0 columns, and a spinner on a pipe is noise: only real terminals. */
export function canSpin(options: SpinnerOptions): boolean {
  return options.enabled && options.stream.isTTY === true && (options.stream.columns ?? 0) > 0;
}

/**
 * Loads ora only where a spinner will run, and hands back a synchronous maker. Where none can run, spinners
 * are plain: no animation, final lines still printed.
 *
 * ora's default `discardStdin` puts the terminal in raw mode while it spins, so Ctrl-C became a byte instead
 * of SIGINT and a user could not abort a slow registration or a 20 s ngrok open: it is off here.
 */
export async function spinnerMaker(options: SpinnerOptions): Promise<(text: string) => Spinner> {
  const plain = (): Spinner => ({
    update: () => undefined,
    succeed: (line) => void options.stream.write(`${line}\n`),
    fail: (line) => void options.stream.write(`${line}\n`),
    stop: () => undefined,
  });
  if (!canSpin(options)) return plain;
  const { default: ora } = await import('ora');
  return (text) => {
    const spinner = ora({ text, stream: options.stream, discardStdin: false }).start();
    return {
      update: (line) => {
        spinner.text = line;
      },
      succeed: (line) => void spinner.succeed(line),
      fail: (line) => void spinner.fail(line),
      stop: () => void spinner.stop(),
    };
  };
}

/**
 * A spinner made on the first `update` (ora loads then, and only where one can run), for commands whose
 * waits are reported as events. `end` prints the closing line: ✔/✖ on a spinner, a plain line elsewhere.
 */
export function lazySpinner(options: SpinnerOptions): {
  update(text: string): void;
  end(outcome: { ok: boolean; text: string }): Promise<void>;
  stop(): void;
} {
  let spinner: Promise<Spinner> | undefined;
  let latest = '';
  return {
    update(text) {
      latest = text;
      if (spinner === undefined) spinner = spinnerMaker(options).then((make) => make(latest));
      else void spinner.then((made) => made.update(text));
    },
    async end({ ok, text }) {
      if (spinner === undefined) {
        options.stream.write(`${text}\n`);
        return;
      }
      const made = await spinner;
      if (ok) made.succeed(text);
      else made.fail(text);
    },
    stop() {
      void spinner?.then((made) => made.stop());
    },
  };
}
