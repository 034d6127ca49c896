import { afterEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/app.js';
import { createMetriportClient } from '../../src/metriport/client.js';
import { describeTarget } from '../../src/metriport/target.js';
import { memoryStateStore } from '../../src/state/state-store.js';
import { publicUrlTunnel } from '../../src/tunnel/tunnel.js';
import { registeredWith, startTestSession } from '../helpers/session.js';

const API_KEY = 'registration-test-key';
const PREVIOUS = 'https://my-app.example.com/webhook';
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function emulatorWithPrevious(): Promise<RunningEmulator> {
  const running = await startEmulator({ host: '127.0.0.1', port: 0, apiKey: API_KEY, allowLocalUrls: false, pingTimeoutMs: 100 });
  cleanups.push(() => running.close());
  running.account.updateWebhookUrl(PREVIOUS);
  return running;
}

function deps(
  running: RunningEmulator,
  options: {
    keepUrl?: boolean;
    confirm?: (question: { currentUrl: string | null; newUrl: string; target: string }) => Promise<boolean>;
  } = {},
) {
  return {
    account: registeredWith({
      client: createMetriportClient({ target: describeTarget(running.url), apiKey: API_KEY }),
      store: memoryStateStore(),
      pid: 1,
      ...options,
    }),
    openTunnel: publicUrlTunnel('https://tunnel.example.com'),
  };
}

describe('registration guards', () => {
  it('asks before replacing the URL, showing both, and changes nothing when declined', async () => {
    const running = await emulatorWithPrevious();
    const questions: unknown[] = [];
    const declined = startTestSession(
      {},
      deps(running, {
        confirm: async (question) => {
          questions.push(question);
          return false;
        },
      }),
    );
    await expect(declined).rejects.toMatchObject({ code: 'REGISTRATION_DECLINED', category: 'usage' });
    expect(questions).toEqual([
      { currentUrl: PREVIOUS, newUrl: 'https://tunnel.example.com/webhook', target: `the API at ${running.url}` },
    ]);
    expect(running.account.getSettings().webhookUrl).toBe(PREVIOUS);
  });

  it('registers once confirmed, and restores on exit', async () => {
    const running = await emulatorWithPrevious();
    const session = await startTestSession({}, deps(running, { confirm: async () => true }));
    expect(running.account.getSettings().webhookUrl).toBe('https://tunnel.example.com/webhook');
    await session.session.stop();
    expect(running.account.getSettings().webhookUrl).toBe(PREVIOUS);
  });

  it('--keep-url leaves the tunnel URL registered and says so', async () => {
    const running = await emulatorWithPrevious();
    const session = await startTestSession({}, deps(running, { keepUrl: true }));
    await session.session.stop();
    expect(running.account.getSettings().webhookUrl).toBe('https://tunnel.example.com/webhook');
    expect(session.eventsOf('url-kept')[0]?.url).toBe('https://tunnel.example.com/webhook');
  });
});
