import type { ChalkInstance } from 'chalk';
import type { WebhookReport } from '../../account/webhook-report.js';
import { clock } from '../format.js';
import { commandLine, type HintContext } from '../next-command.js';
import type { Renderer } from '../render.js';
import { jsonLine, visible } from '../visible.js';

/** One read of the account: the whole answer without --watch. */
export type StatusResult = { kind: 'report'; report: WebhookReport } | { kind: 'watched' };

/** Each refresh of `--watch`. */
export interface StatusEvent {
  type: 'report';
  report: WebhookReport;
  at: Date;
  intervalMs: number;
}

export const renderStatus: Renderer<StatusResult, StatusEvent> = {
  result: (result, view) => (result.kind === 'report' ? { stdout: statusText(result.report, view) } : {}),
  event(event, view) {
    const text = statusText(event.report, view);
    // On a terminal --watch redraws in place, under a footer; a pipe gets one report after another.
    if (view.json || !view.stdoutIsTTY) return { stdout: text };
    const every = event.intervalMs >= 1000 ? `${event.intervalMs / 1000} s` : `${event.intervalMs} ms`;
    const footer = view.out.dim(`\nUpdated ${clock(event.at)}; refreshing every ${every}; Ctrl-C to stop.`);
    return { stdout: `\u001b[2J\u001b[H${text}${footer}\n` };
  },
};

function statusText(report: WebhookReport, view: { json: boolean; out: ChalkInstance; hints: HintContext }): string {
  return view.json ? jsonLine(statusJson(report)) : formatStatus(report, view.out, view.hints);
}

/** The `--json` object of `status`, with Metriport's field names. */
export function statusJson(report: WebhookReport): Record<string, unknown> {
  return {
    webhookUrl: report.webhookUrl,
    webhookEnabled: report.status?.webhookEnabled ?? false,
    webhookStatusDetail: report.status?.webhookStatusDetail ?? null,
    webhookRequestsProcessing: report.status?.webhookRequestsProcessing ?? 0,
    webhookRequestsFailed: report.status?.webhookRequestsFailed ?? 0,
  };
}

/** `status` for humans: one line per figure (CLI contract), and what to run next when there is something to do. */
export function formatStatus(report: WebhookReport, palette: ChalkInstance, hints: HintContext): string {
  const status = report.status;
  const lines = [`Environment: ${report.target}`, `Webhook URL: ${report.webhookUrl === null ? '(none)' : visible(report.webhookUrl)}`];
  if (report.webhookUrl === null)
    lines.push(
      palette.dim(
        `No URL registered yet: run \`${commandLine({ command: 'listen', sameApi: true }, hints)}\` to receive webhooks here (it registers one).`,
      ),
    );
  if (status === null) {
    lines.push('Healthy: unknown (the account has no settings yet)', 'Processing: 0', 'Failed: 0');
    return `${lines.join('\n')}\n`;
  }
  const detail = visible(status.webhookStatusDetail ?? 'no detail');
  lines.push(status.webhookEnabled ? `Healthy: ${palette.green('yes')} (${detail})` : `Healthy: ${palette.red('no')} (${detail})`);
  lines.push(`Processing: ${count(status.webhookRequestsProcessing)}`);
  lines.push(
    `Failed: ${status.webhookRequestsFailed > 0 ? palette.red(count(status.webhookRequestsFailed)) : count(status.webhookRequestsFailed)}`,
  );
  if (status.webhookRequestsFailed > 0)
    lines.push(
      palette.dim(
        `Hint: \`${commandLine({ command: 'retry', flags: { '--wait': true }, sameApi: true }, hints)}\` resends the failed requests to the current URL.`,
      ),
    );
  return `${lines.join('\n')}\n`;
}

function count(value: number): string {
  return value < 0 ? 'unknown' : String(value);
}
