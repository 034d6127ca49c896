import { setTimeout as delay } from 'node:timers/promises';
import { readWebhookReport } from '../../account/webhook-report.js';
import type { CommandInput } from '../../config/option-table.js';
import { usageError } from '../../errors.js';
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
  if (!flags.watch) return { kind: 'report', report: await readWebhookReport(client, [apiKey]) };
  const stop = stopOnSignals({});
  try {
    do {
      context.emit({ type: 'report', report: await readWebhookReport(client, [apiKey]), at: new Date(), intervalMs });
      await delay(intervalMs, undefined, { signal: stop.signal }).catch(() => undefined);
    } while (!stop.signal.aborted);
    return { kind: 'watched' };
  } finally {
    stop.dispose();
  }
}
