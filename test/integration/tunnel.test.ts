import { afterEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/app.js';
import { createMetriportClient } from '../../src/metriport/client.js';
import { describeTarget } from '../../src/metriport/target.js';
import { type NgrokSdk, openNgrokTunnel } from '../../src/tunnel/ngrok.js';
import type { TunnelOpener } from '../../src/tunnel/tunnel.js';
import { registeredWith, startTestSession } from '../helpers/session.js';

const API_KEY = 'tunnel-test-api-key';
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function emulator(): Promise<RunningEmulator> {
  const running = await startEmulator({ host: '127.0.0.1', port: 0, apiKey: API_KEY, allowLocalUrls: false, pingTimeoutMs: 200 });
  cleanups.push(() => running.close());
  return running;
}

/** A stand-in for @ngrok/ngrok: hands out a public URL and lets the test drive status changes. */
function fakeNgrok(url = 'https://fake-7f3a.ngrok-free.app') {
  const state = { configs: [] as Array<Record<string, unknown>>, closes: 0, status: (_status: string) => undefined as void };
  const sdk: NgrokSdk = {
    forward: async (config) => {
      state.configs.push(config);
      state.status = config.onStatusChange ?? (() => undefined);
      return {
        url: () => url,
        close: async () => {
          state.closes += 1;
        },
      };
    },
  };
  const opener: TunnelOpener = (options) =>
    openNgrokTunnel({ ...options, authtoken: 'fake-token', domain: undefined, timeoutMs: 1000, lostAfterMs: 50, loadSdk: async () => sdk });
  return { state, opener };
}

function registered(running: RunningEmulator, target = describeTarget(running.url)) {
  return registeredWith({ client: createMetriportClient({ target, apiKey: API_KEY }) });
}

describe('listen over an ngrok tunnel (SDK injected)', () => {
  it('registers the tunnel URL, forwards to the local port, and closes the tunnel on exit', async () => {
    const running = await emulator();
    const previous = 'https://my-app.example.com/webhook';
    running.account.updateWebhookUrl(previous);
    const ngrok = fakeNgrok();
    const session = await startTestSession({}, { account: registered(running), openTunnel: ngrok.opener });

    expect(running.account.getSettings().webhookUrl).toBe('https://fake-7f3a.ngrok-free.app/webhook');
    expect(ngrok.state.configs).toHaveLength(1);
    expect(ngrok.state.configs[0]?.addr).toBe(`127.0.0.1:${new URL(session.url).port}`);
    expect(session.eventsOf('tunnel-state')[0]).toMatchObject({ state: 'connected', url: 'https://fake-7f3a.ngrok-free.app' });
    expect(session.eventsOf('ready')[0]?.publicUrl).toBe('https://fake-7f3a.ngrok-free.app/webhook');

    await session.session.stop();
    expect(ngrok.state.closes).toBe(1);
    expect(running.account.getSettings().webhookUrl).toBe(previous);
  });

  it('shows reconnects, and ends with TUNNEL_LOST after restoring the URL when the tunnel stays down', async () => {
    const running = await emulator();
    const previous = 'https://my-app.example.com/webhook';
    running.account.updateWebhookUrl(previous);
    const ngrok = fakeNgrok();
    const session = await startTestSession({}, { account: registered(running), openTunnel: ngrok.opener });

    ngrok.state.status('closed');
    ngrok.state.status('connected');
    expect(session.eventsOf('tunnel-state').map((event) => event.state)).toEqual(['connected', 'reconnecting', 'connected']);

    ngrok.state.status('closed');
    await expect(session.session.ended).rejects.toMatchObject({ code: 'TUNNEL_LOST', category: 'network' });
    expect(session.eventsOf('tunnel-state').at(-1)?.state).toBe('lost');
    expect(running.account.getSettings().webhookUrl).toBe(previous);
    expect(ngrok.state.closes).toBe(1);
  });

  it("checks the tunnel URL against Metriport's blocklist before registering", async () => {
    const running = await emulator();
    const ngrok = fakeNgrok('https://tunnel.localtest.me');
    const pretendSandbox = { ...describeTarget(running.url), environment: 'sandbox' as const, isMetriportHost: true };
    const started = startTestSession({}, { account: registered(running, pretendSandbox), openTunnel: ngrok.opener });
    await expect(started).rejects.toMatchObject({ code: 'URL_BLOCKED' });
    expect(running.account.getSettings().webhookUrl).toBeNull();
    expect(ngrok.state.closes).toBe(1);
  });
});
