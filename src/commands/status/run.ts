import { setTimeout as delay } from 'node:timers/promises';
import { readWebhookReport } from '../../account/webhook-report.js';
import type { CommandInput } from '../../config/option-table.js';
import { isMwError, MwError, usageError } from '../../errors.js';
import { STOPPED } from '../../metriport/client.js';
import type { StatusEvent, StatusResult } from '../../output/commands/status.js';
import { parseDuration } from '../../util/units.js';
import { apiFromFlags } from '../shared/api-client.js';
import type { RunContext } from '../shared/run-command.js';
import { stopOnSignals } from '../shared/signals.js';
import type { STATUS_OPTIONS } from './options.js';

export { renderStatus as render } from '../../output/commands/status.js';

export type StatusInput = CommandInput<[], typeof STATUS_OPTIONS>;

const DEFAULT_INTERVAL = '2s';

/** The account's webhook URL and health, once, or every `--interval` until Ctrl-C (each read an event). */
export async function run({ flags }: StatusInput, context: RunContext<StatusEvent>): Promise<StatusResult> {
  const intervalMs = parseDuration(flags.interval ?? DEFAULT_INTERVAL, 's');
  if (intervalMs === undefined)
    throw usageError('BAD_INTERVAL', `--interval ${JSON.stringify(flags.interval)} is not a duration.`, 'Pass e.g. 5s or 500ms.');
  if (flags.interval !== undefined && !flags.watch)
    throw usageError('INTERVAL_WITHOUT_WATCH', '--interval only applies with --watch.', 'Add --watch, or drop --interval.');
  const { client, apiKey } = apiFromFlags(flags, context);
  // Ctrl-C gives up a read in flight at once (exit 130, STOPPED) instead of waiting out the API's timeout.
  const stop = stopOnSignals({});
  const read = () => readWebhookReport(client, [apiKey], { signal: stop.signal });
  try {
    if (!flags.watch) return { kind: 'report', report: await read() };
    let shown = false;
    do {
      try {
        context.emit({ type: 'report', report: await read(), at: new Date(), intervalMs });
        shown = true;
      } catch (error) {
        // Ctrl-C during a read: what is known is the last report on the screen (between reads, it ends with 0).
        if (!shown || !isMwError(error) || error.code !== STOPPED) throw error;
        throw new MwError(`${error.message} The report above is the last one read.`, {
          code: STOPPED,
          category: 'interrupted',
          cause: error,
        });
      }
      await delay(intervalMs, undefined, { signal: stop.signal }).catch(() => undefined);
    } while (!stop.signal.aborted);
    return { kind: 'watched' };
  } finally {
    stop.dispose();
  }
}
