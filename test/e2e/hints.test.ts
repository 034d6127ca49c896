import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { type CliWorld, useCliWorlds } from '../helpers/cli-env.js';
import { startTargetApp } from '../helpers/servers.js';
import { cleanEnv } from '../helpers/spawn-cli.js';

// The commands the CLI suggests, run exactly as printed (through sh, from the user's folder, with only the
// environment the suggesting command had): each must work. The emulator runs with its public default key, so
// a suggestion may print it; a real key is never printed.
const worlds = useCliWorlds();
const EMULATOR_KEY = 'local-emulator';

async function emulatorApi(baseUrl: string, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': EMULATOR_KEY, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.json();
}

/** Runs a printed command line as the user would paste it. */
async function runAsPrinted(world: CliWorld, line: string, env: Record<string, string> = {}) {
  const child = spawn('sh', ['-c', line], { cwd: world.cwd, env: cleanEnv({ ...world.env, ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { line, code, stdout, stderr };
}

/** The commands a text suggests: what stands between backticks and starts with how the CLI was run. */
function suggested(text: string): string[] {
  return [...text.matchAll(/`(node [^`]+)`/g)].map((match) => match[1] as string);
}

describe('suggested commands run as printed, with the flags they need', () => {
  it('status → retry --wait, retry --wait → status and requests --failed, key → key --show, requests → retry <id>', async () => {
    const world = await worlds.newWorld();
    const emulatorRun = world.spawn(['emulator', '--port', '0', '--allow-local-urls']);
    const [, apiUrl = ''] = await emulatorRun.waitFor(/Emulator ready: (http:\/\/\S+)/);
    let accepting = false;
    const app = await startTargetApp(() => ({ status: accepting ? 200 : 500 }));
    worlds.onCleanup(() => app.close());
    // An account has its settings once GET /settings has been called, as on Metriport.
    await fetch(`${apiUrl}/settings`, { headers: { 'x-api-key': EMULATOR_KEY } });
    await emulatorApi(apiUrl, '/settings', { webhookUrl: `${app.url}/hook` });
    await emulatorApi(apiUrl, '/emulator/messages', { type: 'patient.admit' });
    const api = ['--api-url', apiUrl, '--api-key', EMULATOR_KEY];

    // status, given the API by flags: its retry suggestion carries them.
    const status = world.spawn(['status', ...api]);
    expect((await status.exited).code).toBe(0);
    const [retryWait] = suggested(status.stdout());
    expect(retryWait).toMatch(new RegExp(`^node \\S+ retry --wait --api-url ${apiUrl} --api-key local-emulator$`));

    // retry --wait while the app still fails: what it suggests to see why runs.
    const failedAgain = world.spawn(['retry', '--wait', ...api]);
    expect((await failedAgain.exited).code).toBe(1);
    const toSeeWhy = suggested(failedAgain.stderr());
    expect(toSeeWhy).toEqual([
      expect.stringMatching(/ status --api-url \S+ --api-key local-emulator$/),
      expect.stringMatching(/ requests --failed --api-url \S+ --api-key local-emulator$/),
    ]);
    for (const line of toSeeWhy) expect(await runAsPrinted(world, line)).toMatchObject({ code: 0 });

    // The app is fixed: status's suggestion now delivers the failed request.
    accepting = true;
    const retried = await runAsPrinted(world, retryWait as string);
    expect(retried).toMatchObject({ code: 0, stderr: expect.stringContaining('1 delivered, 0 failed again') });

    // key, masked: its --show suggestion prints the whole key.
    const key = world.spawn(['key', ...api]);
    expect((await key.exited).code).toBe(0);
    const [showKey = ''] = suggested(key.stderr());
    expect(showKey).toMatch(/ key --show --api-url \S+ --api-key local-emulator$/);
    const shown = await runAsPrinted(world, showKey);
    expect(shown.code).toBe(0);
    const settings = (await (await fetch(`${apiUrl}/settings`, { headers: { 'x-api-key': EMULATOR_KEY } })).json()) as {
      webhookKey: string;
    };
    expect(shown.stdout).toBe(`${settings.webhookKey}\n`);
    expect(key.stdout()).not.toContain(settings.webhookKey);

    // requests, the API from the environment and the key by flag: only the flag is repeated, and the id is real.
    const fromEnv = { METRIPORT_API_URL: apiUrl };
    const requests = world.spawn(['requests', '--api-key', EMULATOR_KEY], fromEnv);
    expect((await requests.exited).code).toBe(0);
    const [retryOne = ''] = suggested(requests.stderr());
    expect(retryOne).toMatch(/ retry [0-9a-f-]{36} --api-key local-emulator$/);
    const resent = await runAsPrinted(world, retryOne, fromEnv);
    expect(resent).toMatchObject({ code: 0, stderr: expect.stringMatching(/^Resent patient\.admit /) });
  });

  it('a real API key given as a flag is never printed: the suggestion says where it goes', async () => {
    const world = await worlds.newWorld();
    const realKey = 'sk_test_Zx3kP9qLm2VbN7tR1cYw';
    const emulatorRun = world.spawn(['emulator', '--port', '0', '--api-key', realKey]);
    const [, apiUrl = ''] = await emulatorRun.waitFor(/Emulator ready: (http:\/\/\S+)/);
    expect(emulatorRun.stderr()).toMatch(/Use it with: node \S+ status --api-url \S+ --api-key <the key>/);
    const status = world.spawn(['status', '--api-url', apiUrl, '--api-key', realKey]);
    expect((await status.exited).code).toBe(0);
    expect(status.stdout()).toMatch(/`node \S+ listen --api-url \S+ --api-key <your API key>`/);
    expect(world.allOutput()).not.toContain(realKey);
  });
});
