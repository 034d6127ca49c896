import type { ChalkInstance } from 'chalk';
import type { WebhookReport } from '../account/webhook-report.js';
import { commandLine, type HintContext } from './next-command.js';
import { visible } from './visible.js';

/** `status` for humans: one line per figure (CLI contract), and a hint when requests failed. */
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
