import { afterEach, describe, expect, it } from 'vitest';
import { buildEmulatorApp, type RunningEmulator, startEmulator } from '../../src/emulator/app.js';
import { MESSAGE_TIMEOUT_MS, PING_TIMEOUT_MS } from '../../src/metriport/types.js';
import { BLOCKED_URL_SUBSTRINGS } from '../../src/metriport/url-rules.js';
import { metriportHeaders } from '../../src/webhook/deliver.js';

// Metriport's medical-record sections as its settings route lists them (`mrSectionsKeys`): the test's own copy,
// so a change to the emulator's list is caught here.
const MR_SECTIONS = [
  'reports',
  'conditions',
  'medications',
  'allergies',
  'procedures',
  'social-history',
  'vitals',
  'labs',
  'observations',
  'immunizations',
  'family-member-history',
  'related-persons',
  'tasks',
  'coverages',
  'encounters',
  'documents',
];

import { sign } from '../../src/webhook/signature.js';
import { refusingUrl, startTargetApp, type TargetApp } from '../helpers/servers.js';

const API_KEY = 'emulator-test-key';
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An emulator app for `inject()`; its settings row exists (GET /settings made it) unless `newAccount`. */
function inject(options: { allowLocalUrls?: boolean; newAccount?: boolean } = {}) {
  const { app, account } = buildEmulatorApp({ apiKey: API_KEY, allowLocalUrls: options.allowLocalUrls ?? false });
  cleanups.push(() => app.close());
  if (!options.newAccount) account.getSettings();
  const call = async (method: 'GET' | 'POST', url: string, payload?: unknown, key = API_KEY) => {
    const response = await app.inject({ method, url, payload: payload as never, headers: { 'x-api-key': key } });
    return { status: response.statusCode, json: () => response.json() as Record<string, unknown>, text: response.body };
  };
  return { call, account };
}

/** Metriport's 0–200 ms pause after each successful retry is injected: no test waits for it. */
async function running(
  options: { pingTimeoutMs?: number; messageTimeoutMs?: number; retryPause?: () => number } = {},
): Promise<RunningEmulator> {
  const emulator = await startEmulator({
    host: '127.0.0.1',
    port: 0,
    apiKey: API_KEY,
    allowLocalUrls: true,
    retryPause: () => 0,
    ...options,
  });
  cleanups.push(() => emulator.close());
  return emulator;
}

function app0Bodies(emulator: RunningEmulator) {
  return [...emulator.account.history()];
}

async function target(respond?: Parameters<typeof startTargetApp>[0]): Promise<TargetApp> {
  const app = await startTargetApp(respond);
  cleanups.push(() => app.close());
  return app;
}

describe('emulator: signing', () => {
  it('signs with the protocol test vector', () => {
    const body = Buffer.from(
      '{"ping":"Zq4xT9mLr2VbN7kP1cYwE","meta":{"messageId":"6f1c2d3e-8a4b-4c5d-9e6f-7a8b9c0d1e2f","when":"2025-10-30T14:02:11.482Z","type":"ping"}}',
    );
    expect(metriportHeaders(body, 'Zx3kP9qLm2VbN7tR1cYwE')).toEqual({
      accept: 'application/json, text/plain, */*',
      'accept-encoding': 'gzip, compress, deflate, br',
      'content-type': 'application/json',
      'user-agent': 'Metriport API',
      'x-metriport-signature': '1e2dd09df8ca3ae1918c2649ded4486108562038157e48270cf09534151c89e2',
    });
  });

  it('sends compact JSON signed with the account key, meta first, and checks the pong', async () => {
    const app = await target((request) => {
      const ping = JSON.parse(request.body.toString()).ping as string | undefined;
      return { status: 200, body: ping === undefined ? '{}' : JSON.stringify({ pong: ping }) };
    });
    const emulator = await running();
    const { settings, ping } = emulator.account.updateWebhookUrl(`${app.url}/hook`);
    await ping;
    expect(emulator.account.webhookStatus()).toMatchObject({ webhookEnabled: true, webhookStatusDetail: 'OK' });
    const outcome = await emulator.account.send({ meta: { type: 'patient.admit' }, payload: { patientId: 'p' } });
    expect(outcome).toMatchObject({ status: 'success', httpStatus: 200 });
    const message = app.requests[1];
    const text = message?.body.toString() ?? '';
    expect(text).toBe(JSON.stringify(JSON.parse(text)));
    expect(Object.keys(JSON.parse(text).meta)).toEqual(['messageId', 'when', 'type']);
    expect(message?.headers['x-metriport-signature']).toBe(sign(settings.webhookKey ?? '', message?.body ?? ''));
    expect(message?.headers['user-agent']).toBe('Metriport API');
    expect(message?.url).toBe('/hook');
  });
});

describe('emulator: settings API', () => {
  it('refuses requests without the API key like the gateway', async () => {
    const { call } = inject();
    const answer = await call('GET', '/settings', undefined, 'wrong');
    expect(answer.status).toBe(403);
    expect(answer.json()).toEqual({ message: 'Forbidden' });
  });

  it('starts empty, keeps the key across URL changes, and treats "" as no change', async () => {
    const { call } = inject({ allowLocalUrls: true, newAccount: true });
    expect((await call('GET', '/settings/webhook')).status).toBe(404);
    expect((await call('GET', '/settings')).json()).toMatchObject({ webhookUrl: null, webhookKey: null });
    const first = (await call('POST', '/settings', { webhookUrl: await refusingUrl('/a') })).json();
    const second = (await call('POST', '/settings', { webhookUrl: await refusingUrl('/b') })).json();
    expect(first.webhookKey).toEqual(expect.any(String));
    expect(second.webhookKey).toBe(first.webhookKey);
    const unchanged = (await call('POST', '/settings', { webhookUrl: '' })).json();
    expect(unchanged.webhookUrl).toBe(second.webhookUrl);
  });

  it.each(BLOCKED_URL_SUBSTRINGS)('refuses a URL containing %s with Invalid URL', async (substring) => {
    const { call } = inject();
    const answer = await call('POST', '/settings', { webhookUrl: `https://example.com/${substring}/hook` });
    expect(answer.status).toBe(400);
    expect(answer.json()).toEqual({ status: 400, title: 'BadRequestError', detail: 'Invalid URL', name: 'Bad Request' });
  });

  it('refuses "0" (zod sees no URL before the exact-value blocklist does), and matches the blocklist case-sensitively', async () => {
    const { call } = inject();
    expect((await call('POST', '/settings', { webhookUrl: '0' })).json()).toMatchObject({
      status: 400,
      detail: 'Invalid url, on [webhookUrl]',
    });
    expect((await call('POST', '/settings', { webhookUrl: 'https://LOCALHOST.example.com/hook' })).status).toBe(200);
  });

  it('words validation errors as Metriport words zod errors: over 2048 characters, non-URLs, unknown keys', async () => {
    const { call } = inject();
    const invalid = (detail: string) => ({ status: 400, title: 'Missing or invalid parameters', detail, name: 'Bad Request' });
    expect((await call('POST', '/settings', { webhookUrl: `https://example.com/${'a'.repeat(2048)}` })).json()).toEqual(
      invalid('String must contain at most 2048 character(s), on [webhookUrl]'),
    );
    expect((await call('POST', '/settings', { webhookUrl: 'not a url' })).json()).toEqual(invalid('Invalid url, on [webhookUrl]'));
    expect((await call('POST', '/settings', { webhookUrl: 'https://example.com', extra: 1 })).json()).toEqual(
      invalid("Unrecognized key(s) in object: 'extra', on []"),
    );
    expect((await call('POST', '/settings', { webhookUrl: 7 })).json()).toEqual(invalid('Invalid input, on [webhookUrl]'));
  });

  it('accepts {}, {"webhookUrl": null} and mrFilters as no change to the URL, with no ping', async () => {
    const app = await target(() => ({ status: 200, body: '{}' }));
    const { call, account } = inject({ allowLocalUrls: true });
    await account.updateWebhookUrl(`${app.url}/hook`).ping;
    const mrFilters = MR_SECTIONS.map((key) => ({ key, dateFilter: { from: '2025-01-01' } }));
    for (const body of [{}, { webhookUrl: null }, { webhookUrl: '' }, { mrFilters }]) {
      const answer = await call('POST', '/settings', body);
      expect(answer.status).toBe(200);
      expect(answer.json().webhookUrl).toBe(`${app.url}/hook`);
    }
    expect(app.requests).toHaveLength(1);
  });

  it('accepts urlencoded, empty and untyped bodies on every POST, as an Express API does', async () => {
    const { app, account } = buildEmulatorApp({ apiKey: API_KEY, allowLocalUrls: false });
    cleanups.push(() => app.close());
    account.getSettings();
    const post = (url: string, headers: Record<string, string>, payload?: string) =>
      app.inject({ method: 'POST', url, headers: { 'x-api-key': API_KEY, ...headers }, payload });
    expect((await post('/settings/webhook/retry', { 'content-type': 'application/x-www-form-urlencoded' })).statusCode).toBe(200);
    expect((await post('/settings/webhook/retry', {})).body).toBe('OK');
    expect((await post('/settings/webhook/retry', { 'content-type': 'text/plain' }, 'anything')).statusCode).toBe(200);
    expect((await post('/settings', { 'content-type': 'application/json' }, '')).statusCode).toBe(200);
    expect(
      (
        await post('/settings', { 'content-type': 'application/x-www-form-urlencoded' }, 'webhookUrl=https%3A%2F%2Fapp.example.com%2Fhook')
      ).json(),
    ).toMatchObject({
      webhookUrl: 'https://app.example.com/hook',
    });
    expect((await post('/settings', { 'content-type': 'application/json' }, '{"webhookUrl":')).json()).toMatchObject({
      status: 400,
      name: 'Bad Request',
    });
  });

  it("answers unknown routes and missing settings with Metriport's error body", async () => {
    const { call, account } = inject({ newAccount: true });
    const missing = { status: 404, title: 'NotFoundError', detail: `Could not find settings ${account.cxId}`, name: 'Not Found' };
    expect((await call('GET', '/settings/webhook')).json()).toEqual(missing);
    // Until GET /settings creates the row, the routes that read it answer 404 (getSettingsOrFail).
    expect((await call('POST', '/settings', { webhookUrl: 'https://app.example.com/hook' })).json()).toEqual(missing);
    expect((await call('POST', '/settings/webhook/retry')).json()).toEqual(missing);
    expect((await call('POST', '/settings/webhook/sample-payload', { meta: { type: 'x' } })).json()).toEqual(missing);
    expect((await call('GET', '/settings')).json()).toEqual({ id: account.cxId, webhookUrl: null, webhookKey: null, mrFilters: null });
    expect((await call('POST', '/settings/webhook/retry')).status).toBe(200);
    expect((await call('GET', '/nothing/here')).json()).toEqual({ message: 'Not Found' });
    expect((await call('POST', '/settings/webhook/request/nope/retry')).json()).toMatchObject({
      status: 404,
      title: 'NotFoundError',
      name: 'Not Found',
    });
  });

  it('accepts a public URL, and a local one only with --allow-local-urls', async () => {
    expect((await inject().call('POST', '/settings', { webhookUrl: 'https://abc.ngrok-free.app/webhook' })).status).toBe(200);
    expect((await inject().call('POST', '/settings', { webhookUrl: 'http://127.0.0.1:4747/webhook' })).status).toBe(400);
    expect((await inject({ allowLocalUrls: true }).call('POST', '/settings', { webhookUrl: 'http://127.0.0.1:4747/webhook' })).status).toBe(
      200,
    );
  });

  it('answers the retry endpoint with plain OK, even with nothing to retry', async () => {
    const { call } = inject();
    const answer = await call('POST', '/settings/webhook/retry');
    expect(answer).toMatchObject({ status: 200, text: 'OK' });
  });
});

describe('emulator: delivery rules', () => {
  it('uses Metriport timeouts: 5 s for messages, 2 s for the ping', () => {
    expect(MESSAGE_TIMEOUT_MS).toBe(5000);
    expect(PING_TIMEOUT_MS).toBe(2000);
  });

  it('counts a slow answer as failed with a timeout detail', async () => {
    const app = await target(() => ({ status: 200, delayMs: 1000 }));
    const emulator = await running({ messageTimeoutMs: 100, pingTimeoutMs: 50 });
    const { ping } = emulator.account.updateWebhookUrl(app.url);
    await ping;
    const failure = (ms: number) =>
      `Failed to send payload ({"url":"${app.url}","httpStatus":504,"httpMessage":"timeout of ${ms}ms exceeded (ETIMEDOUT)"}); caused by timeout of ${ms}ms exceeded (ETIMEDOUT)`;
    expect(emulator.account.webhookStatus()).toMatchObject({ webhookEnabled: false, webhookStatusDetail: failure(50) });
    const outcome = await emulator.account.send({ meta: { type: 'x' } });
    expect(outcome.status).toBe('failure');
    expect(emulator.account.webhookStatus()).toMatchObject({ webhookRequestsFailed: 1, webhookStatusDetail: failure(100) });
  });

  it('does not follow redirects (a 3xx has no axios code) and checks the pong', async () => {
    const app = await target(() => ({ status: 302, headers: { location: 'https://elsewhere.example.com' } }));
    const emulator = await running();
    await emulator.account.updateWebhookUrl(app.url).ping;
    expect(emulator.account.webhookStatus().webhookStatusDetail).toBe(
      `Failed to send payload ({"url":"${app.url}","httpStatus":302,"httpMessage":"Request failed with status code 302 (302)"}); caused by Request failed with status code 302 (302)`,
    );
    const wrongPong = await target(() => ({ status: 200, body: '{"pong":"something else"}' }));
    await emulator.account.updateWebhookUrl(wrongPong.url).ping;
    expect(emulator.account.webhookStatus()).toMatchObject({
      webhookEnabled: false,
      webhookStatusDetail: 'Bad response from webhook call',
    });
  });

  it('retries failed requests one at a time, oldest first, to the current URL, keeping messageId and when', async () => {
    let pauses = 0;
    const emulator = await running({
      retryPause: () => {
        pauses += 1;
        return 0;
      },
    });
    await emulator.account.updateWebhookUrl(await refusingUrl()).ping;
    const sent = [];
    for (const type of ['first', 'second', 'third']) sent.push(await emulator.account.send({ meta: { type } }));
    expect(emulator.account.webhookStatus().webhookRequestsFailed).toBe(3);
    const before = app0Bodies(emulator);

    const app = await target(() => ({ status: 200, delayMs: 20, body: '{}' }));
    await emulator.account.updateWebhookUrl(app.url).ping;
    emulator.account.retryFailed();
    expect(emulator.account.webhookStatus()).toMatchObject({ webhookRequestsFailed: 0, webhookRequestsProcessing: 3 });
    await emulator.account.idle();
    const retried = app.requests.slice(1).map((request) => request.body.toString());
    expect(retried.map((body) => JSON.parse(body).meta.type)).toEqual(['first', 'second', 'third']);
    expect(retried.map((body) => JSON.parse(body).meta.when)).toEqual(before.map((request) => request.createdAt.toISOString()));
    expect(retried.map((body) => JSON.parse(body).meta.messageId)).toEqual(sent.map((outcome) => outcome.messageId));
    expect(app.maxInFlight()).toBe(1);
    // Metriport pauses after each successful retry.
    expect(pauses).toBe(3);
    expect(emulator.account.webhookStatus()).toMatchObject({
      webhookRequestsFailed: 0,
      webhookRequestsProcessing: 0,
      webhookEnabled: true,
    });
  });
});

describe('emulator: as Metriport stores and retries', () => {
  it('drops meta.data on a retry, and reads the URL and key once when retry is called', async () => {
    const emulator = await running();
    await emulator.account.updateWebhookUrl(await refusingUrl()).ping;
    const outcome = await emulator.account.send({ meta: { type: 'medical.document-download', data: { clinic: '7' } }, patients: [] });
    expect(outcome.status).toBe('failure');
    const first = await target(() => ({ status: 200, delayMs: 30, body: '{}' }));
    const second = await target(() => ({ status: 200, body: '{}' }));
    await emulator.account.updateWebhookUrl(first.url).ping;
    emulator.account.retryFailed();
    // Changed while the retry runs: the retry still goes where the URL pointed when it was called.
    void emulator.account.updateWebhookUrl(second.url).ping;
    await emulator.account.idle();
    const retried = first.requests.find((request) => JSON.parse(request.body.toString()).meta.type === 'medical.document-download');
    expect(JSON.parse(retried?.body.toString() ?? '{}').meta).toEqual({
      messageId: outcome.messageId,
      when: expect.any(String),
      type: 'medical.document-download',
    });
    expect(second.requests.every((request) => JSON.parse(request.body.toString()).meta.type === 'ping')).toBe(true);
  });

  it('stores a message sent while no URL is set as failed, and never stores, counts or retries devices.* messages', async () => {
    const emulator = await running();
    const unsent = await emulator.account.send({ meta: { type: 'medical.document-conversion' }, patients: [] });
    expect(unsent).toEqual({ messageId: expect.any(String), status: 'failure', httpStatus: null });
    expect(emulator.account.webhookStatus().webhookRequestsFailed).toBe(1);

    await emulator.account.updateWebhookUrl(await refusingUrl()).ping;
    const health = emulator.account.webhookStatus().webhookStatusDetail;
    await emulator.account.send({ meta: { type: 'devices.health-data' }, users: [] });
    expect(emulator.account.webhookStatus()).toMatchObject({ webhookRequestsFailed: 1, webhookStatusDetail: health });
    expect(emulator.account.history().map((request) => request.type)).toEqual(['medical.document-conversion']);
  });

  it('sample-payload reduces meta to its type and answers the receiver status as a number, or a 500 WebhookError', async () => {
    const app = await target(() => ({ status: 202, body: '{"ok":true}' }));
    const emulator = await running();
    const call = (body: unknown) =>
      fetch(`${emulator.url}/settings/webhook/sample-payload`, {
        method: 'POST',
        headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    emulator.account.getSettings();
    expect((await (await call({ meta: { type: 'x' } })).json()) as unknown).toMatchObject({
      status: 400,
      title: 'BadRequestError',
      detail: 'Webhook URL and key must be configured',
    });
    await emulator.account.updateWebhookUrl(`${app.url}/hook`).ping;
    const answer = await call({ meta: { type: 'patient.admit', messageId: 'dropped', data: { a: 1 } }, payload: { patientId: 'p' } });
    expect(await answer.json()).toEqual({
      status: 202,
      webhookResponse: { ok: true },
      url: `${app.url}/hook`,
      durationMillis: expect.any(Number),
    });
    expect(JSON.parse(app.requests.at(-1)?.body.toString() ?? '{}')).toEqual({
      meta: { type: 'patient.admit' },
      payload: { patientId: 'p' },
    });

    await emulator.account.updateWebhookUrl(await refusingUrl()).ping;
    const failed = await call({ meta: { type: 'patient.admit' } });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({
      status: 500,
      title: 'WebhookError',
      detail: 'Failed to send payload',
      name: 'Internal Server Error',
    });
  });

  it('lists webhook requests newest first with pagination, and resends one as a new request', async () => {
    const app = await target(() => ({ status: 200, body: '{}' }));
    const emulator = await running();
    await emulator.account.updateWebhookUrl(`${app.url}/hook`).ping;
    const sent = [];
    for (const type of ['a.one', 'a.two', 'a.three'])
      sent.push(await emulator.account.send({ meta: { type, when: new Date(Date.UTC(2026, 0, sent.length + 1)).toISOString() } }));
    const get = async (path: string) =>
      (await fetch(`${emulator.url}${path}`, { headers: { 'x-api-key': API_KEY } })).json() as Promise<any>;
    const page = await get('/settings/webhook/request?count=2');
    expect(page.requests.map((row: { type: string }) => row.type)).toEqual(['a.three', 'a.two']);
    expect(page.meta).toMatchObject({ itemsOnPage: 2 });
    const next = await get(new URL(page.meta.nextPage).pathname + new URL(page.meta.nextPage).search);
    expect(next.requests.map((row: { type: string }) => row.type)).toEqual(['a.one']);
    expect(next.meta.nextPage).toBeUndefined();

    const resent = (await (
      await fetch(`${emulator.url}/settings/webhook/request/${sent[0]?.messageId}/retry`, {
        method: 'POST',
        headers: { 'x-api-key': API_KEY },
      })
    ).json()) as any;
    expect(resent.meta.type).toBe('a.one');
    expect(resent.meta.messageId).not.toBe(sent[0]?.messageId);
    expect(JSON.parse(app.requests.at(-1)?.body.toString() ?? '{}').meta.messageId).toBe(resent.meta.messageId);
  });
});

// The third attack round: the emulator had no Host check, and its public default key with CORS * let any web
// page read the account's webhook key and, through sample-payload, what local services answer.
describe('emulator: only this machine drives it', () => {
  const app = () => buildEmulatorApp({ apiKey: API_KEY, allowLocalUrls: true }).app;
  const get = (headers: Record<string, string>) =>
    app().inject({ method: 'GET', url: '/settings', headers: { 'x-api-key': API_KEY, ...headers } });

  it('refuses a Host that is not one of its own names (DNS rebinding) and a web page from elsewhere', async () => {
    expect((await get({ host: 'evil.example:4748' })).statusCode).toBe(403);
    expect((await get({ host: '127.0.0.1.nip.io:4748' })).statusCode).toBe(403);
    expect((await get({ host: '127.0.0.1:4748', origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await get({ host: '127.0.0.1:4748', origin: 'null' })).statusCode).toBe(403);
  });

  it('answers its own names, with no Origin (a script, an SDK) or a page served from this machine', async () => {
    for (const host of ['127.0.0.1:4748', 'localhost:4748', '[::1]:4748']) expect((await get({ host })).statusCode, host).toBe(200);
    expect((await get({ host: '127.0.0.1:4748', origin: 'http://localhost:3000' })).statusCode).toBe(200);
  });

  it('refuses a body nested too deep to list or send again, and its request list keeps working', async () => {
    const emulator = await running();
    const deep = `{"meta":{"type":"x.deep"},"v":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const refused = await fetch(`${emulator.url}/emulator/messages`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      body: deep,
    });
    expect(refused.status).toBe(400);
    expect((await refused.json()).detail).toMatch(/nests deeper than 512 levels/);
    await emulator.account.send({ meta: { type: 'a.fine' } });
    const list = await fetch(`${emulator.url}/settings/webhook/request`, { headers: { 'x-api-key': API_KEY } });
    expect(list.status).toBe(200);
    expect((await list.json()).requests.map((row: { type: string }) => row.type)).toEqual(['a.fine']);
  });
});
