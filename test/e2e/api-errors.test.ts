import { describe, expect, it } from 'vitest';
import { type CliWorld, emulatorApi, spawnEmulator, TEST_API_KEY, useCliWorlds } from '../helpers/cli-env.js';
import { refusingUrl, startTargetApp } from '../helpers/servers.js';

const worlds = useCliWorlds();
let world: CliWorld;

async function newWorld(): Promise<CliWorld> {
  world = await worlds.newWorld();
  return world;
}

async function run(args: string[], env: Record<string, string> = {}) {
  const child = world.spawn(args, env);
  const { code } = await child.exited;
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

function expectOneCleanError(stderr: string) {
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr.trim().split('\n')).toHaveLength(1);
}

describe('errors users meet with the Metriport API', () => {
  it('no API key → exit 3 and where to set it', async () => {
    await newWorld();
    const result = await run(['status']);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      'Error: No Metriport API key for sandbox (https://api.sandbox.metriport.com). Set METRIPORT_API_KEY (or put it in .env, or pass --api-key); the dashboard shows keys under Developers.\n',
    );
  });

  it('rejected key → exit 3, naming the API, never printing the key', async () => {
    await newWorld();
    const emulator = await spawnEmulator(world);
    const wrongKey = 'sk_wrong_key_1234567890abcdef';
    const result = await run(['status', '--api-url', emulator.url], { METRIPORT_API_KEY: wrongKey });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`Metriport rejected the API key (403) at the API at ${emulator.url}.`);
    expect(result.stderr).not.toContain(wrongKey);
    expectOneCleanError(result.stderr);
  });

  it("Invalid URL from the API → exit 5 with Metriport's rules explained, and the account untouched", async () => {
    await newWorld();
    const emulator = await spawnEmulator(world, []);
    const previous = 'https://my-app.example.com/webhook';
    await emulatorApi(emulator.url, 'POST', '/settings', { webhookUrl: previous });
    const result = await run(['listen', '--port', '0', '--public-url', 'http://127.0.0.1:4747', '--api-url', emulator.url], {
      METRIPORT_API_KEY: TEST_API_KEY,
    });
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/refused the webhook URL as "Invalid URL".*localhost, 127\.0\.0\.1, 0000/);
    expect((await emulatorApi(emulator.url, 'GET', '/settings')).json.webhookUrl).toBe(previous);
  });

  it('a blocked public URL is refused before any network call (exit 2)', async () => {
    await newWorld();
    const result = await run(['listen', '--public-url', 'https://localhost.run.example.com'], { METRIPORT_API_KEY: TEST_API_KEY });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Metriport would refuse the webhook URL: .*contains "localhost"/);
  });

  it('unreachable API → exit 4 naming the URL', async () => {
    await newWorld();
    const apiUrl = (await refusingUrl('')).replace(/\/$/, '');
    const result = await run(['status', '--api-url', apiUrl], { METRIPORT_API_KEY: TEST_API_KEY });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(
      `Could not reach the Metriport API at ${apiUrl} (from --api-url): nothing listens there (ECONNREFUSED). Check that the API is running there, or change --api-url.`,
    );
    expectOneCleanError(result.stderr);
  });

  it('unexpected answer → exit 5 with the status and detail', async () => {
    await newWorld();
    const api = await startTargetApp(() => ({ status: 500, body: '{"status":500,"title":"INTERNAL","detail":"database unavailable"}' }));
    worlds.onCleanup(() => api.close());
    const result = await run(['retry', '--api-url', api.url], { METRIPORT_API_KEY: TEST_API_KEY });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('Metriport answered 500 to GET /settings: database unavailable.');
    // Bounded retries: three attempts for each of the two idempotent reads.
    expect(api.requests.map((request) => request.url).sort()).toEqual([
      ...Array(3).fill('/settings'),
      ...Array(3).fill('/settings/webhook'),
    ]);
    expect(result.stderr).not.toContain(TEST_API_KEY);
  });

  it('production needs --yes without a terminal, before any network call', async () => {
    await newWorld();
    const result = await run(['listen', '--public-url', 'https://tunnel.example.com', '--env', 'production'], {
      METRIPORT_API_KEY: TEST_API_KEY,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Refusing to change the production webhook URL.*Pass --yes/);
  });

  it('retry with nothing failed says so and exits 0; --dry-run changes nothing', async () => {
    await newWorld();
    const emulator = await spawnEmulator(world);
    await emulatorApi(emulator.url, 'POST', '/settings', { webhookUrl: await refusingUrl() });
    const none = await run(['retry', '--api-url', emulator.url], { METRIPORT_API_KEY: TEST_API_KEY });
    expect(none).toMatchObject({ code: 0, stderr: expect.stringContaining('Nothing to retry') });
    await emulatorApi(emulator.url, 'POST', '/emulator/messages', { type: 'patient.admit' });
    const dry = await run(['retry', '--dry-run', '--json', '--api-url', emulator.url], { METRIPORT_API_KEY: TEST_API_KEY });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ failedBefore: 1, dryRun: true, started: false });
    expect((await emulatorApi(emulator.url, 'GET', '/settings/webhook')).json.webhookRequestsFailed).toBe(1);
    const waited = await run(['retry', '--wait', '--timeout', '20s', '--api-url', emulator.url], { METRIPORT_API_KEY: TEST_API_KEY });
    expect(waited.code).toBe(1);
    expect(waited.stderr).toContain('0 delivered, 1 failed again');
  });
});
