/** A spinner on stderr only where one makes sense: a terminal with columns, and not in `--json` mode. */
export interface Spinner {
  update(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
}

/** ora spins forever on a terminal with 0 columns, and a spinner on a pipe is noise: only real terminals. */
export function canSpin(options: { enabled: boolean; stream: NodeJS.WriteStream }): boolean {
  return options.enabled && options.stream.isTTY === true && (options.stream.columns ?? 0) > 0;
}

export async function startSpinner(text: string, options: { enabled: boolean; stream: NodeJS.WriteStream }): Promise<Spinner> {
  if (!canSpin(options)) {
    return {
      update: () => undefined,
      succeed: (line) => void options.stream.write(`${line}\n`),
      fail: (line) => void options.stream.write(`${line}\n`),
    };
  }
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: options.stream }).start();
  return {
    update: (line) => {
      spinner.text = line;
    },
    succeed: (line) => void spinner.succeed(line),
    fail: (line) => void spinner.fail(line),
  };
}
