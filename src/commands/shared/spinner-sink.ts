import { progressText } from '../../output/log-sink.js';
import type { Sink } from '../../output/sink.js';
import { canSpin, type Spinner, type SpinnerOptions, spinnerMaker } from './spinner.js';

/**
 * On a terminal, `progress` events become a spinner on stderr that the next event clears; elsewhere they
 * pass through to the log as plain lines.
 */
export async function withSpinner(sink: Sink, options: SpinnerOptions): Promise<Sink> {
  if (!canSpin(options)) return sink;
  const makeSpinner = await spinnerMaker(options);
  let spinner: Spinner | undefined;
  return {
    write(event) {
      if (event.type === 'progress') {
        if (spinner === undefined) spinner = makeSpinner(progressText(event.step));
        else spinner.update(progressText(event.step));
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
