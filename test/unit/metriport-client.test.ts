import { describe, expect, it } from 'vitest';
import { planRestore } from '../../src/account/restore.js';
import { type ApiFlags, resolveApiConfig } from '../../src/config/api-config.js';
import { MwError } from '../../src/errors.js';
import { HttpFailure, type HttpRequest, type SendHttp } from '../../src/http/send-http.js';
import { createMetriportClient } from '../../src/metriport/client.js';
import { describeTarget } from '../../src/metriport/target.js';
import { webhookUrlProblem } from '../../src/metriport/url-rules.js';
import type { RegistrationRecord } from '../../src/state/registration-record.js';

type Answer = { status: number; body?: string; headers?: Record<string, string> } | Error;

function fakeSend(answers: Answer[]) {
  const calls: HttpRequest[] = [];
  const send: SendHttp = async (request) => {
    calls.push(request);
    const answer = answers.shift() ?? { status: 500 };
    if (answer instanceof Error) throw answer;
    return { status: answer.status, headers: answer.headers ?? {}, body: Buffer.from(answer.body ?? ''), truncated: false };
  };
  return { send, calls };
}

function client(answers: Answer[], baseUrl = 'https://api.sandbox.metriport.com') {
  const fake = fakeSend(answers);
  const sleeps: number[] = [];
  const instance = createMetriportClient({
    target: describeTarget(baseUrl),
    apiKey: 'sk_test_abcdefghijklmnop',
    send: fake.send,
    sleep: async (ms) => void sleeps.push(ms),
  });
  return { instance, calls: fake.calls, sleeps };
}

async function failure(promise: Promise<unknown>): Promise<MwError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MwError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

const settings = JSON.stringify({ id: 'x', webhookUrl: 'https://a.example.com/h', webhookKey: 'k', mrFilters: null });
const networkError = new HttpFailure('ECONNREFUSED', 'nothing listens there (ECONNREFUSED)');

describe('Metriport client', () => {
  it('sends the API key and the exact body to the right paths', async () => {
    const { instance, calls } = client([{ status: 200, body: settings }]);
    await instance.updateWebhookUrl('https://b.example.com/webhook');
    expect(calls[0]?.url).toBe('https://api.sandbox.metriport.com/settings');
    expect(calls[0]?.method).toBe('POST');
    expect(calls[0]?.body).toBe('{"webhookUrl":"https://b.example.com/webhook"}');
    expect(calls[0]?.headers['x-api-key']).toBe('sk_test_abcdefghijklmnop');
  });

  it('retries idempotent calls on 5xx, 429 (honouring Retry-After) and network errors, with backoff', async () => {
    const { instance, calls, sleeps } = client([
      { status: 503 },
      { status: 429, headers: { 'retry-after': '2' } },
      { status: 200, body: settings },
    ]);
    expect((await instance.getSettings()).webhookUrl).toBe('https://a.example.com/h');
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([300, 2000]);
    const flaky = client([networkError, { status: 200, body: settings }]);
    await flaky.instance.getSettings();
    expect(flaky.calls).toHaveLength(2);
  });

  it('gives up after the bounded retries and names the URL', async () => {
    const { instance, calls } = client([networkError, networkError, networkError, networkError]);
    const error = await failure(instance.getSettings());
    expect(calls).toHaveLength(3);
    expect(error).toMatchObject({ code: 'API_UNREACHABLE', category: 'network' });
    expect(error.message).toBe(
      'Could not reach the Metriport API at https://api.sandbox.metriport.com (from the command): nothing listens there (ECONNREFUSED).',
    );
  });

  it('never repeats the retry call', async () => {
    const { instance, calls } = client([{ status: 503, body: '{"detail":"busy"}' }]);
    const error = await failure(instance.retryFailedRequests());
    expect(calls).toHaveLength(1);
    expect(error.message).toBe('Metriport answered 503 to POST /settings/webhook/retry: busy.');
  });

  it('names the environment when the key is rejected, and how to switch', async () => {
    const sandbox = await failure(client([{ status: 403, body: '{"message":"Forbidden"}' }]).instance.getSettings());
    expect(sandbox).toMatchObject({ code: 'API_KEY_REJECTED', category: 'auth' });
    expect(sandbox.message).toContain('sandbox (https://api.sandbox.metriport.com)');
    expect(sandbox.hint).toContain('--env production');
    const production = await failure(client([{ status: 403 }], 'https://api.metriport.com').instance.getSettings());
    expect(production.hint).toContain('--env sandbox');
    expect(`${sandbox.message} ${sandbox.hint}`).not.toContain('sk_test_abcdefghijklmnop');
  });

  it('explains Invalid URL', async () => {
    const error = await failure(
      client([{ status: 400, body: '{"status":400,"title":"BAD_REQUEST","detail":"Invalid URL"}' }]).instance.updateWebhookUrl('https://x'),
    );
    expect(error.code).toBe('INVALID_WEBHOOK_URL');
    expect(error.hint).toMatch(/localhost.*0000/);
  });

  it('reads a 404 webhook status as "no settings yet"', async () => {
    expect(await client([{ status: 404, body: '{}' }]).instance.getWebhookStatus()).toBeNull();
  });

  it('refuses to send an empty URL', async () => {
    await expect(client([]).instance.updateWebhookUrl('')).rejects.toThrow(/empty/);
  });

  it('reports a non-JSON answer', async () => {
    expect((await failure(client([{ status: 200, body: '<html>' }]).instance.getSettings())).code).toBe('API_UNEXPECTED');
  });
});

describe('resolveApiConfig', () => {
  it.each<[ApiFlags, Record<string, string>, string, string]>([
    [{}, {}, 'https://api.sandbox.metriport.com', 'sandbox'],
    [{ env: 'production' }, {}, 'https://api.metriport.com', 'production'],
    [{}, { METRIPORT_ENV: 'production' }, 'https://api.metriport.com', 'production'],
    // A flag beats the environment: an exported emulator URL does not override --env.
    [{ env: 'production' }, { METRIPORT_API_URL: 'http://127.0.0.1:4748/' }, 'https://api.metriport.com', 'production'],
    [{}, { METRIPORT_API_URL: 'http://127.0.0.1:4748/', METRIPORT_ENV: 'production' }, 'http://127.0.0.1:4748', 'custom'],
    [{ env: 'production', apiUrl: 'http://127.0.0.1:4748' }, {}, 'http://127.0.0.1:4748', 'custom'],
    [{ apiUrl: 'https://api.metriport.com' }, {}, 'https://api.metriport.com', 'production'],
  ])('%j %j → %s', (flags, env, baseUrl, environment) => {
    expect(resolveApiConfig(flags, env, {}).target).toMatchObject({ baseUrl, environment });
  });

  it('refuses an unknown environment and a bad URL', () => {
    expect(() => resolveApiConfig({}, { METRIPORT_ENV: 'staging' }, {})).toThrow(/not an environment/);
    expect(() => resolveApiConfig({ apiUrl: 'ftp://x' }, {}, {})).toThrow(/not an http/);
  });
});

describe('webhook URL rules', () => {
  it.each([
    ['https://abc.ngrok-free.app/webhook', undefined],
    ['http://localhost:4747/webhook', 'localhost'],
    ['https://x.example.com/a0000b', '0000'],
    ['https://bucket.s3.amazonaws.com/x', 'amazonaws.com'],
    ['https://x.example.com/internal/hook', '/internal'],
  ])('%s → %s', (url, substring) => {
    const problem = webhookUrlProblem(url, { allowLocal: false });
    expect(problem?.kind === 'blocked' ? problem.substring : undefined).toBe(substring);
  });
});

describe('planRestore', () => {
  const record: RegistrationRecord = {
    id: 'r-1',
    environment: 'sandbox',
    apiUrl: 'https://api.sandbox.metriport.com',
    previousUrl: 'https://app.example.com/hook',
    registeredUrl: 'https://tunnel.example.com/webhook',
    pid: 1,
    startedAt: '2026-11-28T00:00:00.000Z',
  };
  it.each([
    [record, record.registeredUrl, { action: 'restore', url: record.previousUrl }],
    [{ ...record, previousUrl: null }, record.registeredUrl, { action: 'keep', reason: 'no-previous-url' }],
    [{ ...record, previousUrl: record.registeredUrl }, record.registeredUrl, { action: 'keep', reason: 'same-url' }],
    [record, 'https://someone-else.example.com', { action: 'leave', currentUrl: 'https://someone-else.example.com' }],
    [record, null, { action: 'leave', currentUrl: null }],
  ])('%#', (input, currentUrl, plan) => {
    expect(planRestore(input, currentUrl)).toEqual(plan);
  });
});

describe('waitForRetry', () => {
  it('waits for the retried requests only: one stuck in processing before the retry does not hold it to the timeout', async () => {
    const { waitForRetry } = await import('../../src/account/retry.js');
    // Before the retry: 2 failed, 1 stuck processing. Then the 2 are processing, then delivered.
    const reads = [
      { webhookEnabled: true, webhookStatusDetail: 'OK', webhookRequestsProcessing: 3, webhookRequestsFailed: 0 },
      { webhookEnabled: true, webhookStatusDetail: 'OK', webhookRequestsProcessing: 1, webhookRequestsFailed: 0 },
    ];
    const stuck = reads[1];
    const fake = { getWebhookStatus: async () => reads.shift() ?? stuck } as unknown as Parameters<typeof waitForRetry>[0]['client'];
    let now = 0;
    // The clock moves 1 ms a read: a wait for zero processing would time out after 50 reads.
    const outcome = await waitForRetry({
      client: fake,
      failedBefore: 2,
      processingBefore: 1,
      timeoutMs: 50,
      intervalMs: 1,
      signal: new AbortController().signal,
      now: () => (now += 1),
    });
    expect(outcome).toEqual({ delivered: 2, failed: 0, processing: 0, timedOut: false });
    expect(now).toBeLessThan(5);
  });
});

describe('playing a flow on the emulator', () => {
  it('waits longer than an ordinary call: the emulator answers once the whole flow has played', async () => {
    const answer = { flow: 'adt', requestId: 'r', faults: [], messages: [], stuck: false };
    const { instance, calls } = client(
      [
        { status: 200, body: settings },
        { status: 200, body: JSON.stringify(answer) },
      ],
      'http://127.0.0.1:4748',
    );
    await instance.getSettings();
    expect(await instance.playEmulatorFlow('adt', { faults: [] })).toEqual(answer);
    const [ordinary, flow] = calls;
    expect(ordinary?.timeoutMs).toBe(10_000);
    expect(flow?.timeoutMs).toBeGreaterThanOrEqual(60_000);
  });
});
