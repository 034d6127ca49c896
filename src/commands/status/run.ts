import { setTimeout as delay } from 'node:timers/promises';
import { readWebhookReport, statusJson } from '../../account/webhook-report.js';
import { apiHintFlags } from '../../config/api-config.js';
import { usageError } from '../../errors.js';
import { colorLevel, createPalette } from '../../output/color.js';
import { clock } from '../../output/format.js';
import { formatStatus } from '../../output/status.js';
import { parseDuration } from '../../util/units.js';
import { apiFromFlags } from '../shared/api-client.js';
import { processContext } from '../shared/process.js';
import { stopOnSignals } from '../shared/signals.js';
import type { StatusFlags } from './command.js';

const DEFAULT_INTERVAL = '2s';

export async function runStatusCommand(flags: StatusFlags): Promise<number> {
  const context = processContext();
  const intervalMs = parseDuration(flags.interval ?? DEFAULT_INTERVAL, 's');
  if (intervalMs === undefined)
    throw usageError('BAD_INTERVAL', `--interval ${JSON.stringify(flags.interval)} is not a duration.`, 'Pass e.g. 5s or 500ms.');
  if (flags.interval !== undefined && !flags.watch)
    throw usageError('INTERVAL_WITHOUT_WATCH', '--interval only applies with --watch.', 'Add --watch, or drop --interval.');
  const { client, apiKey, config } = apiFromFlags(flags, context);
  const hints = { invocation: context.invocation, api: apiHintFlags(config) };
  const palette = createPalette(colorLevel({ isTTY: context.stdout.isTTY === true && !flags.json, env: context.env }));
  const redraw = flags.watch === true && context.stdout.isTTY === true && !flags.json;
  const stop = stopOnSignals({ stderr: context.stderr });
  try {
    do {
      const report = await readWebhookReport(client, [apiKey]);
      const text = flags.json ? `${JSON.stringify(statusJson(report))}\n` : formatStatus(report, palette, hints);
      const footer = palette.dim(
        `\nUpdated ${clock(new Date())}; refreshing every ${intervalMs >= 1000 ? `${intervalMs / 1000} s` : `${intervalMs} ms`}; Ctrl-C to stop.`,
      );
      context.stdout.write(redraw ? `\u001b[2J\u001b[H${text}${footer}\n` : text);
      if (flags.watch) await delay(intervalMs, undefined, { signal: stop.signal }).catch(() => undefined);
    } while (flags.watch && !stop.signal.aborted);
    return 0;
  } finally {
    stop.dispose();
  }
}
