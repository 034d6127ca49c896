import { setTimeout as delay } from 'node:timers/promises';
import type { ApiFlags } from '../config/api-config.js';
import { colorLevel, createPalette } from '../output/color.js';
import { formatStatus } from '../output/status.js';
import { readWebhookReport, statusJson } from '../session/webhook-report.js';
import { clientFromFlags } from './api-client.js';
import { processContext } from './context.js';

const WATCH_INTERVAL_MS = 2000;

export async function runStatusCommand(flags: ApiFlags & { json?: boolean; watch?: boolean }): Promise<number> {
  const context = processContext();
  const client = clientFromFlags(flags, context);
  const palette = createPalette(colorLevel({ isTTY: context.stdout.isTTY === true && !flags.json, env: context.env }));
  const redraw = flags.watch === true && context.stdout.isTTY === true && !flags.json;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    do {
      const report = await readWebhookReport(client);
      const text = flags.json ? `${JSON.stringify(statusJson(report))}\n` : formatStatus(report, palette);
      context.stdout.write(redraw ? `\u001b[2J\u001b[H${text}${palette.dim(`\nRefreshing every 2 s; Ctrl-C to stop.`)}\n` : text);
      if (flags.watch) await delay(WATCH_INTERVAL_MS, undefined, { signal: controller.signal }).catch(() => undefined);
    } while (flags.watch && !controller.signal.aborted);
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
