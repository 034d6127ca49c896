import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliWorld, emulatorApi, spawnEmulator, spawnListenBehindTunnel, TEST_API_KEY, useCliWorlds } from '../helpers/cli-env.js';
import { refusingUrl, startTargetApp } from '../helpers/servers.js';
import { READY } from '../helpers/spawn-cli.js';

const worlds = useCliWorlds();
const NGROK_TOKEN = '2ngrokSecretToken_QWERTYUIOPasdfghjkl0987';
const OTHER_WEBHOOK_KEY = 'whk_secret_ZXCVBNMasdfghjkl12345';

/** Every file under `dir`, recursively, as text. */
async function allFiles(dir: string): Promise<Array<{ path: string; text: string }>> {
  const found: Array<{ path: string; text: string }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await allFiles(path)));
    else found.push({ path, text: await readFile(path, 'latin1') });
  }
  return found;
}

async function finish(world: CliWorld, args: string[], env: Record<string, string>) {
  const run = world.spawn(args, env);
  await run.exited;
}

describe('secrets', () => {
  it('the API key, webhook key and ngrok authtoken never appear in full in any output, error, --verbose/--debug text or file', async () => {
    const world = await worlds.newWorld();
    const emulator = await spawnEmulator(world);
    await emulatorApi(emulator.url, 'POST', '/settings', { webhookUrl: await refusingUrl() });
    const app = await startTargetApp((request) => ({ status: 200, body: JSON.stringify({ echoedHeaders: Object.keys(request.headers) }) }));
    worlds.onCleanup(() => app.close());
    const env = { METRIPORT_API_KEY: TEST_API_KEY, NGROK_AUTHTOKEN: NGROK_TOKEN };

    // A registered listener with forwarding, captures and everything verbose.
    const { run: listen } = await spawnListenBehindTunnel(world, {
      apiUrl: emulator.url,
      args: ['--debug', '--verbose', '--out', 'out', '--jsonl', 'all.jsonl', '--forward-to', app.url],
      env,
      onCleanup: worlds.onCleanup,
    });
    await listen.waitFor(READY);
    const webhookKey = (await emulatorApi(emulator.url, 'GET', '/settings')).json.webhookKey as string;
    await emulatorApi(emulator.url, 'POST', '/emulator/messages', { type: 'patient.admit' });
    await listen.waitFor(/patient\.admit.*app 2\d\d in/, 'stdout');
    const stateDir = join(world.env.XDG_STATE_HOME, 'metriport-webhook');
    expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
    for (const file of await readdir(stateDir)) expect((await stat(join(stateDir, file))).mode & 0o777).toBe(0o600);
    listen.child.kill('SIGINT');
    await listen.exited;

    // Error paths, with --debug stack traces.
    await finish(world, ['status', '--debug', '--api-url', emulator.url, '--api-key', `${TEST_API_KEY}-wrong`], {});
    await finish(world, ['status', '--debug', '--api-url', emulator.url], env);
    await finish(world, ['retry', '--debug', '--wait', '--timeout', '5s', '--api-url', emulator.url], env);
    await finish(world, ['listen', '--debug', '--verbose', '--port', '0', '--api-url', emulator.url], env);
    await finish(world, ['listen', '--debug', '--port', '0', '--ngrok-authtoken', NGROK_TOKEN, '--api-url', emulator.url], {
      METRIPORT_API_KEY: TEST_API_KEY,
    });
    await finish(world, ['trigger', 'patient.admit', '--debug', '--to', await refusingUrl(), '--webhook-key', webhookKey], {});
    await finish(world, ['trigger', 'patient.admit', '--debug', '--via-api', '--api-url', emulator.url], env);
    await finish(world, ['replay', 'out', '--debug', '--to', app.url, '--webhook-key', OTHER_WEBHOOK_KEY], {});
    await finish(world, ['replay', 'missing-folder', '--debug', '--webhook-key', OTHER_WEBHOOK_KEY], {});
    await finish(world, ['restore', '--debug', '--api-url', await refusingUrl('')], env);

    const secrets = [TEST_API_KEY, webhookKey, NGROK_TOKEN, OTHER_WEBHOOK_KEY];
    const output = world.allOutput();
    expect(output).toContain('Error:');
    expect(output).toMatch(/\n\s+at /);
    for (const secret of secrets) expect(output, `output contains ${secret.slice(0, 4)}…`).not.toContain(secret);
    for (const file of await allFiles(world.cwd)) {
      // The emulator is the server side of its own local account: its account file (0600) keeps that account's
      // webhook key, as Metriport's database does, so an app's key stays valid across runs. Nothing else.
      const ownKey = /emulator-account-\w+\.json$/.test(file.path) ? [webhookKey] : [];
      for (const secret of secrets.filter((secret) => !ownKey.includes(secret)))
        expect(file.text, `${file.path} contains ${secret.slice(0, 4)}…`).not.toContain(secret);
    }
  });
});
