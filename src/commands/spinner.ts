/** A spinner on stderr only where one makes sense: a terminal with columns, and not in `--json` mode. */
export interface Spinner {
  update(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
}

export async function startSpinner(text: string, options: { enabled: boolean; stream: NodeJS.WriteStream }): Promise<Spinner> {
  const usable = options.enabled && options.stream.isTTY === true && (options.stream.columns ?? 0) > 0;
  if (!usable) {
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
