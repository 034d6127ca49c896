import { afterEach, describe, expect, it } from 'vitest';
import { buildEmulatorApp, startEmulator, type RunningEmulator } from '../../src/emulator/app.js';
import { MESSAGE_TIMEOUT_MS, PING_TIMEOUT_MS } from '../../src/metriport/types.js';
import { BLOCKED_URL_SUBSTRINGS } from '../../src/metriport/url-rules.js';
import { metriportHeaders } from '../../src/webhook/deliver.js';
import { sign } from '../../src/webhook/signature.js';
import { type TargetApp, refusingUrl, startTargetApp } from '../helpers/servers.js';

const API_KEY = 'emulator-test-key';
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function inject(options: { allowLocalUrls?: boolean } = {}) {
  const { app, dispatcher } = buildEmulatorApp({ apiKey: API_KEY, allowLocalUrls: options.allowLocalUrls ?? false });
  cleanups.push(() => app.close());
  const call = async (method: 'GET' | 'POST', url: string, payload?: unknown, key = API_KEY) => {
    const response = await app.inject({ method, url, payload: payload as never, headers: { 'x-api-key': key } });
    return { status: response.statusCode, json: () => response.json() as Record<string, unknown>, text: response.body };
  };
  return { call, dispatcher };
}

async function running(options: { pingTimeoutMs?: number; messageTimeoutMs?: number } = {}): Promise<RunningEmulator> {
  const emulator = await startEmulator({ host: '127.0.0.1', port: 0, apiKey: API_KEY, allowLocalUrls: true, ...options });
  cleanups.push(() => emulator.close());
  return emulator;
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
    const { settings, ping } = emulator.dispatcher.updateWebhookUrl(`${app.url}/hook`);
    await ping;
    expect(emulator.dispatcher.webhookStatus()).toMatchObject({ webhookEnabled: true, webhookStatusDetail: 'OK' });
    const outcome = await emulator.dispatcher.send({ meta: { type: 'patient.admit' }, payload: { patientId: 'p' } });
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
    const { call } = inject({ allowLocalUrls: true });
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
    expect(answer.json()).toMatchObject({ status: 400, title: 'BAD_REQUEST', detail: 'Invalid URL' });
  });

  it('refuses URLs over 2048 characters, non-URLs and unknown body keys', async () => {
    const { call } = inject();
    expect((await call('POST', '/settings', { webhookUrl: `https://example.com/${'a'.repeat(2048)}` })).json().detail).toBe('Invalid URL');
    expect((await call('POST', '/settings', { webhookUrl: 'not a url' })).json().detail).toBe('Invalid URL');
    expect((await call('POST', '/settings', { webhookUrl: 'https://example.com', extra: 1 })).status).toBe(400);
    expect((await call('POST', '/settings', { other: 1 })).status).toBe(400);
  });

  it('accepts a public URL, and a local one only with --allow-local-urls', async () => {
    expect((await inject().call('POST', '/settings', { webhookUrl: 'https://abc.ngrok-free.app/webhook' })).status).toBe(200);
    expect((await inject().call('POST', '/settings', { webhookUrl: 'http://127.0.0.1:4747/webhook' })).status).toBe(400);
    expect((await inject({ allowLocalUrls: true }).call('POST', '/settings', { webhookUrl: 'http://127.0.0.1:4747/webhook' })).status).toBe(200);
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
    const { ping } = emulator.dispatcher.updateWebhookUrl(app.url);
    await ping;
    expect(emulator.dispatcher.webhookStatus()).toMatchObject({ webhookEnabled: false, webhookStatusDetail: 'timeout of 50ms exceeded' });
    const outcome = await emulator.dispatcher.send({ meta: { type: 'x' } });
    expect(outcome.status).toBe('failure');
    expect(emulator.dispatcher.webhookStatus()).toMatchObject({ webhookRequestsFailed: 1, webhookStatusDetail: 'timeout of 100ms exceeded' });
  });

  it('does not follow redirects and checks the pong', async () => {
    const app = await target(() => ({ status: 302, headers: { location: 'https://elsewhere.example.com' } }));
    const emulator = await running();
    await emulator.dispatcher.updateWebhookUrl(app.url).ping;
    expect(emulator.dispatcher.webhookStatus().webhookStatusDetail).toBe('Request failed with status code 302');
    const wrongPong = await target(() => ({ status: 200, body: '{"pong":"something else"}' }));
    await emulator.dispatcher.updateWebhookUrl(wrongPong.url).ping;
    expect(emulator.dispatcher.webhookStatus()).toMatchObject({ webhookEnabled: false, webhookStatusDetail: expect.stringContaining('Invalid ping response') });
  });

  it('retries failed requests one at a time, oldest first, to the current URL, keeping messageId and when', async () => {
    const emulator = await running();
    await emulator.dispatcher.updateWebhookUrl(await refusingUrl()).ping;
    const sent = [];
    for (const type of ['first', 'second', 'third']) sent.push(await emulator.dispatcher.send({ meta: { type } }));
    expect(emulator.dispatcher.webhookStatus().webhookRequestsFailed).toBe(3);
    const before = emulator.dispatcher.history().map((request) => JSON.stringify(request.payload));

    const app = await target(() => ({ status: 200, delayMs: 20, body: '{}' }));
    await emulator.dispatcher.updateWebhookUrl(app.url).ping;
    emulator.dispatcher.retryFailed();
    expect(emulator.dispatcher.webhookStatus()).toMatchObject({ webhookRequestsFailed: 0, webhookRequestsProcessing: 3 });
    await emulator.dispatcher.idle();
    const retried = app.requests.slice(1).map((request) => request.body.toString());
    expect(retried).toEqual(before);
    expect(retried.map((body) => JSON.parse(body).meta.messageId)).toEqual(sent.map((outcome) => outcome.messageId));
    expect(app.maxInFlight()).toBe(1);
    expect(emulator.dispatcher.webhookStatus()).toMatchObject({ webhookRequestsFailed: 0, webhookRequestsProcessing: 0, webhookEnabled: true });
  });
});
