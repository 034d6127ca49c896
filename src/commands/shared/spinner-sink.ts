import type { Sink } from '../../output/sink.js';
import { progressText } from '../../output/log.js';
import { canSpin } from './spinner.js';

/**
 * On a terminal, `progress` events become an ora spinner on stderr that the next event clears; elsewhere
 * they pass through to the log as plain lines. Only commands import ora.
 */
export async function withSpinner(sink: Sink, options: { enabled: boolean; stream: NodeJS.WriteStream }): Promise<Sink> {
  if (!canSpin(options)) return sink;
  const { default: ora } = await import('ora');
  let spinner: ReturnType<typeof ora> | undefined;
  return {
    write(event) {
      if (event.type === 'progress') {
        if (spinner === undefined) spinner = ora({ text: progressText(event.step), stream: options.stream }).start();
        else spinner.text = progressText(event.step);
        return;
      }
      spinner?.stop();
      spinner = undefined;
      sink.write(event);
    },
    async close() {
      spinner?.stop();
      await sink.close();
    },
  };
}
