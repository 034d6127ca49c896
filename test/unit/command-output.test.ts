import { describe, expect, it } from 'vitest';
import type { WebhookReport } from '../../src/account/webhook-report.js';
import type { WebhookRequestRow } from '../../src/metriport/types.js';
import { createPalette } from '../../src/output/color.js';
import { renderKey } from '../../src/output/commands/key.js';
import { renderRequests } from '../../src/output/commands/requests.js';
import { renderRetry } from '../../src/output/commands/retry.js';
import { renderStatus } from '../../src/output/commands/status.js';
import { renderTrigger } from '../../src/output/commands/trigger.js';
import type { OutputView } from '../../src/output/render.js';

// What scripts read (--json field names and order) and what people run next (the suggested commands), straight
// from the renderers; the spawned CLI is tested in test/e2e.
const API = { '--api-url': 'http://127.0.0.1:4748' } as const;

function view(options: Partial<OutputView> = {}): OutputView {
  return {
    json: false,
    out: createPalette(0),
    err: createPalette(0),
    stdoutIsTTY: false,
    hints: { invocation: 'npx metriport-webhook', api: API },
    ...options,
  };
}

const report: WebhookReport = {
  target: 'the API at http://127.0.0.1:4748',
  webhookUrl: 'https://abc.example/webhook',
  status: { webhookEnabled: false, webhookStatusDetail: 'ECONNREFUSED', webhookRequestsProcessing: 0, webhookRequestsFailed: 2 },
  secrets: [],
};
const plan = { webhookUrl: 'https://abc.example/webhook', failed: 2, processing: 0 };

describe('status', () => {
  it("--json: one object with Metriport's field names, in order", () => {
    const { stdout } = renderStatus.result({ kind: 'report', report }, view({ json: true }));
    expect(Object.keys(JSON.parse(stdout ?? ''))).toEqual([
      'webhookUrl',
      'webhookEnabled',
      'webhookStatusDetail',
      'webhookRequestsProcessing',
      'webhookRequestsFailed',
    ]);
  });

  it('one line per figure, and the retry to run with the flags that reached the API', () => {
    const { stdout } = renderStatus.result({ kind: 'report', report }, view());
    expect(stdout).toMatch(/^Failed: 2$/m);
    expect(stdout).toContain('Hint: `npx metriport-webhook retry --wait --api-url http://127.0.0.1:4748` resends');
  });

  it('--watch redraws only a terminal, never a pipe or --json', () => {
    const event = { type: 'report', report, at: new Date(), intervalMs: 500 } as const;
    const redrawn = renderStatus.event(event, view({ stdoutIsTTY: true })).stdout ?? '';
    expect(redrawn.startsWith('\u001b[2J\u001b[H')).toBe(true);
    expect(redrawn).toContain('refreshing every 500 ms');
    expect(renderStatus.event(event, view()).stdout).not.toContain('\u001b');
    expect(renderStatus.event(event, view({ stdoutIsTTY: true, json: true })).stdout).toMatch(/^\{.*\}\n$/);
  });
});

describe('retry', () => {
  it('--json: the plan, then the outcome, in the order scripts know', () => {
    const outcome = { delivered: 1, failed: 1, processing: 0, timedOut: false };
    const printed = renderRetry.result({ kind: 'waited', plan, outcome, timeoutMs: 60_000, ok: false }, view({ json: true }));
    expect(printed.stdout).toBe(
      '{"webhookUrl":"https://abc.example/webhook","failedBefore":2,"dryRun":false,"started":true,"delivered":1,"failed":1,"processing":0,"timedOut":false}\n',
    );
    expect(renderRetry.result({ kind: 'dry-run', plan }, view({ json: true })).stdout).toBe(
      '{"webhookUrl":"https://abc.example/webhook","failedBefore":2,"dryRun":true,"started":false}\n',
    );
    expect(renderRetry.result({ kind: 'started', plan }, view()).stdout).toBeUndefined();
  });

  it('a wait that ends badly says so on the spinner, with what to run to see why', () => {
    const outcome = { delivered: 0, failed: 0, processing: 2, timedOut: true };
    const printed = renderRetry.result({ kind: 'waited', plan, outcome, timeoutMs: 90_000, ok: false }, view());
    expect(printed.waited).toEqual({
      ok: false,
      text: 'Stopped waiting after 90 s: 0 delivered, 0 failed again, 2 still processing. Check again with `npx metriport-webhook status --api-url http://127.0.0.1:4748`.',
    });
  });
});

describe('requests', () => {
  const row = (id: string, status: WebhookRequestRow['status']): WebhookRequestRow => ({
    id,
    type: 'patient.admit',
    status,
    statusDetail: null,
    requestUrl: null,
    httpStatus: 200,
    durationMillis: 1,
    requestId: null,
    createdAt: '2026-12-04T10:00:00.000Z',
    payload: {},
  });

  it('suggests resending the newest failed one, by its real id', () => {
    const rows = [row('aaa', 'success'), row('bbb', 'failure'), row('ccc', 'failure')];
    const printed = renderRequests.result({ rows, target: 'the API', filter: { failed: false, type: undefined } }, view());
    expect(printed.stderr).toBe(
      '3 request(s) at the API, newest first. Resend one with `npx metriport-webhook retry bbb --api-url http://127.0.0.1:4748`.\n',
    );
    expect(renderRequests.result({ rows: [], target: 'the API', filter: { failed: true, type: 'medical.' } }, view()).stderr).toBe(
      'No failed medical. webhook requests at the API.\n',
    );
  });
});

describe('key and trigger', () => {
  it('key: masked on stdout with the --show to run; --json names whether it is masked', () => {
    const key = { webhookKey: 'whsec_0123456789abcdef', show: false, webhookUrl: null };
    const printed = renderKey.result(key, view());
    expect(printed.stdout).toBe('whse…ef (22 chars)\n');
    expect(printed.stderr).toContain('`npx metriport-webhook key --show --api-url http://127.0.0.1:4748`');
    expect(JSON.parse(renderKey.result({ ...key, show: true }, view({ json: true })).stdout ?? '')).toEqual({
      webhookKey: 'whsec_0123456789abcdef',
      masked: false,
      webhookUrl: null,
    });
  });

  it('trigger --json: the fields scripts read, a messageId of null when the API sent it', () => {
    const refused = {
      kind: 'sent',
      type: 'ping',
      messageId: 'm',
      url: 'http://h/w',
      ok: false,
      status: undefined,
      durationMs: 3,
      detail: 'ECONNREFUSED',
      badPong: false,
      toGiven: false,
    } as const;
    const sent = renderTrigger.result(refused, view({ json: true }));
    expect(Object.keys(JSON.parse(sent.stdout ?? ''))).toEqual(['type', 'messageId', 'url', 'ok', 'status', 'durationMs', 'detail']);
    const unreachable = renderTrigger.result(refused, view());
    expect(unreachable.stderr).toBe(
      'Could not deliver ping to http://h/w (ECONNREFUSED). Is `npx metriport-webhook listen` running there? Pass --to for another URL.\n',
    );
    const viaApi = renderTrigger.result(
      {
        kind: 'sent-via-api',
        type: 'patient.admit',
        url: 'http://h/w',
        ok: true,
        status: 200,
        durationMs: null,
        detail: 'OK',
        target: 'sandbox',
      },
      view({ json: true }),
    );
    expect(JSON.parse(viaApi.stdout ?? '')).toMatchObject({ messageId: null, durationMs: null });
  });
});
