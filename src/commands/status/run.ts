import type { StatusFlags } from './command.js';
import { setTimeout as delay } from 'node:timers/promises';
import { colorLevel, createPalette } from '../../output/color.js';
import { formatStatus } from '../../output/status.js';
import { readWebhookReport, statusJson } from '../../session/webhook-status.js';
import { clientFromFlags } from '../shared/api-client.js';
import { processContext } from '../shared/process.js';
import { stopOnSignals } from '../shared/signals.js';

const WATCH_INTERVAL_MS = 2000;

export async function runStatusCommand(flags: StatusFlags): Promise<number> {
  const context = processContext();
  const client = clientFromFlags(flags, context);
  const palette = createPalette(colorLevel({ isTTY: context.stdout.isTTY === true && !flags.json, env: context.env }));
  const redraw = flags.watch === true && context.stdout.isTTY === true && !flags.json;
  const stop = stopOnSignals({ stderr: context.stderr });
  try {
    do {
      const report = await readWebhookReport(client);
      const text = flags.json ? `${JSON.stringify(statusJson(report))}\n` : formatStatus(report, palette);
      context.stdout.write(redraw ? `\u001b[2J\u001b[H${text}${palette.dim(`\nRefreshing every 2 s; Ctrl-C to stop.`)}\n` : text);
      if (flags.watch) await delay(WATCH_INTERVAL_MS, undefined, { signal: stop.signal }).catch(() => undefined);
    } while (flags.watch && !stop.signal.aborted);
    return 0;
  } finally {
    stop.dispose();
  }
}
