import type { RetryOutcome, RetryPlan } from '../../account/retry.js';
import { commandLine } from '../next-command.js';
import type { OutputView, Printed, Renderer } from '../render.js';
import { jsonLine, visible } from '../visible.js';

/** `retry` (every failed request) or `retry <id>` (one), and how each ended. */
export type RetryResult =
  | { kind: 'nothing-failed'; plan: RetryPlan; target: string; dryRun: boolean }
  | { kind: 'dry-run'; plan: RetryPlan }
  | { kind: 'started'; plan: RetryPlan }
  | { kind: 'waited'; plan: RetryPlan; outcome: RetryOutcome; timeoutMs: number; ok: boolean }
  | { kind: 'one-dry-run'; id: string; target: string }
  | { kind: 'one-resent'; id: string; messageId: string | null; type: unknown };

/** The steps of retrying every failed request, as they happen. */
export type RetryEvent =
  | { type: 'planned'; plan: RetryPlan; dryRun: boolean }
  | { type: 'started' }
  | { type: 'waiting' }
  | { type: 'progress'; processing: number; failed: number };

export const renderRetry: Renderer<RetryResult, RetryEvent> = {
  event(event) {
    switch (event.type) {
      case 'planned': {
        const count =
          event.plan.failed < 0 ? 'the failed requests (Metriport could not count them)' : `${event.plan.failed} failed request(s)`;
        return {
          stderr: `${event.dryRun ? 'Would retry' : 'Retrying'} ${count} to ${visible(event.plan.webhookUrl ?? '(no URL registered)')}.\n`,
        };
      }
      case 'started':
        return { stderr: 'Retry started: Metriport resends them one at a time, oldest first.\n' };
      case 'waiting':
        return { waiting: 'Waiting for the retry to finish…' };
      case 'progress':
        return { waiting: `Waiting for the retry: ${event.processing} processing, ${event.failed} failed` };
    }
  },
  result(result, view) {
    switch (result.kind) {
      case 'nothing-failed':
        return {
          stderr: `Nothing to retry: no failed requests at ${result.target}.\n`,
          stdout: planJson(result.plan, view, { dryRun: result.dryRun }),
        };
      case 'dry-run':
        return { stdout: planJson(result.plan, view, { dryRun: true }) };
      case 'started':
        return { stdout: planJson(result.plan, view, { dryRun: false, started: true }) };
      case 'waited':
        return waited(result, view);
      case 'one-dry-run':
        return {
          stderr: `Would resend webhook request ${result.id} as a new request via ${result.target}.\n`,
          stdout: view.json ? jsonLine({ id: result.id, dryRun: true, started: false }) : undefined,
        };
      case 'one-resent': {
        const { id, messageId, type } = result;
        if (view.json) return { stdout: jsonLine({ id, dryRun: false, started: true, messageId, type: type ?? null }) };
        const requests = commandLine({ command: 'requests', sameApi: true }, view.hints);
        return {
          stderr: `Resent ${visible(String(type ?? 'the request'))} ${id} as a new request: messageId ${visible(messageId ?? '(not given)')}. Check it with \`${requests}\`.\n`,
        };
      }
    }
  },
};

function waited(result: Extract<RetryResult, { kind: 'waited' }>, view: OutputView): Printed {
  const { outcome } = result;
  const summary = `${outcome.delivered} delivered, ${outcome.failed} failed again${outcome.processing > 0 ? `, ${outcome.processing} still processing` : ''}.`;
  const status = `\`${commandLine({ command: 'status', sameApi: true }, view.hints)}\``;
  const failedRequests = `\`${commandLine({ command: 'requests', flags: { '--failed': true }, sameApi: true }, view.hints)}\``;
  const text = outcome.timedOut
    ? `Stopped waiting after ${result.timeoutMs / 1000} s: ${summary} Check again with ${status}.`
    : outcome.failed === 0
      ? `Retry finished: ${summary}`
      : `Retry finished: ${summary} Run ${status} (or ${failedRequests}) to see why.`;
  return {
    waited: { ok: !outcome.timedOut && outcome.failed === 0, text },
    stdout: planJson(result.plan, view, { dryRun: false, started: true, ...outcome }),
  };
}

/** The `--json` object of retrying every failed request: the plan, then how far it got. */
function planJson(
  plan: RetryPlan,
  view: OutputView,
  progress: { dryRun: boolean; started?: boolean } & Partial<RetryOutcome>,
): string | undefined {
  if (!view.json) return undefined;
  const { dryRun, started = false, ...outcome } = progress;
  return jsonLine({ webhookUrl: plan.webhookUrl, failedBefore: plan.failed, dryRun, started, ...outcome });
}
