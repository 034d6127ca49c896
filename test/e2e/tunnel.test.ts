import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliWorld, emulatorApi, spawnEmulator, spawnListenBehindTunnel, TEST_API_KEY, useCliWorlds } from '../helpers/cli-env.js';
import { startTargetApp } from '../helpers/servers.js';
import { READY } from '../helpers/spawn-cli.js';
import { TEST_KEY } from '../helpers/webhooks.js';

const worlds = useCliWorlds();
const NGROK_TOKEN = '2fakeNgrokToken_abcdefghijklmnopqrstuvwxyz012';

async function run(world: CliWorld, args: string[], env: Record<string, string> = {}) {
  const child = world.spawn(args, env);
  const { code } = await child.exited;
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

describe('listen with ngrok (the real SDK, offline here)', () => {
  it('without an authtoken: exit 3 and where to get one', async () => {
    const world = await worlds.newWorld();
    const result = await run(world, ['listen'], { METRIPORT_API_KEY: TEST_API_KEY });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/ngrok needs an authtoken.*dashboard\.ngrok\.com\/get-started\/your-authtoken/);
  });

  it("uses the authtoken from ngrok's config file, fails to reach ngrok with exit 4, and changes nothing", async () => {
    const world = await worlds.newWorld();
    const emulator = await spawnEmulator(world);
    const previous = 'https://my-app.example.com/webhook';
    await emulatorApi(emulator.url, 'POST', '/settings', { webhookUrl: previous });
    const config = join(world.env.HOME, '.config', 'ngrok');
    await mkdir(config, { recursive: true });
    await writeFile(join(config, 'ngrok.yml'), `version: "3"\nagent:\n  authtoken: ${NGROK_TOKEN}\n`);

    const result = await run(world, ['listen', '--port', '0', '--api-url', emulator.url], { METRIPORT_API_KEY: TEST_API_KEY });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/Could not reach ngrok \(.*\)\. .*--public-url/);
    expect(result.stderr).not.toContain(NGROK_TOKEN);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect((await emulatorApi(emulator.url, 'GET', '/settings')).json.webhookUrl).toBe(previous);
  });

  it.skipIf(!process.env.NGROK_AUTHTOKEN)('opt-in: opens a real tunnel when NGROK_AUTHTOKEN is set and the network allows', async () => {
    const world = await worlds.newWorld();
    const child = world.spawn(['listen', '--port', '0', '--no-register', '--webhook-key', TEST_KEY], {
      NGROK_AUTHTOKEN: process.env.NGROK_AUTHTOKEN ?? '',
    });
    await child.waitFor(/tunnel {2}(https:\/\/\S+) → this listener/);
    await child.waitFor(READY);
    child.child.kill('SIGINT');
    expect((await child.exited).code).toBe(0);
    expect(child.stderr()).not.toContain(process.env.NGROK_AUTHTOKEN ?? '');
  });
});

describe('listen --forward-to (spawned)', () => {
  it("passes a triggered message to the app and reports the app's status", async () => {
    const world = await worlds.newWorld();
    const target = await startTargetApp(() => ({ status: 201, body: '{"ok":true}' }));
    worlds.onCleanup(() => target.close());
    const listen = world.spawn(
      ['listen', '--no-tunnel', '--port', '0', '--forward-to', `${target.url}/webhook`, '--header', 'X-Env: dev', '--verbose'],
      {
        METRIPORT_WEBHOOK_KEY: TEST_KEY,
      },
    );
    const [, url] = await listen.waitFor(READY);
    const trigger = await run(world, ['trigger', 'patient.admit', '--to', url ?? ''], { METRIPORT_WEBHOOK_KEY: TEST_KEY });
    expect(trigger.code).toBe(0);
    expect(trigger.stdout).toMatch(/^201 OK/);
    // One line says what Metriport got and what the app said; --verbose adds the app's body on stderr.
    await listen.waitFor(/patient\.admit .*→ 201 · app 201 in \d+ ms/, 'stdout');
    await listen.waitFor(/ {2}app: \{"ok":true\}/);
    expect(target.requests[0]?.headers['x-env']).toBe('dev');
  });
});

describe('a reader that goes away', () => {
  it('`listen --json | head -1` stops listen cleanly and still restores the URL', async () => {
    const world = await worlds.newWorld();
    const emulator = await spawnEmulator(world);
    const previous = 'https://my-app.example.com/webhook';
    await emulatorApi(emulator.url, 'POST', '/settings', { webhookUrl: previous });
    const { run: listen } = await spawnListenBehindTunnel(world, { apiUrl: emulator.url, args: ['--json'], onCleanup: worlds.onCleanup });
    await emulatorApi(emulator.url, 'POST', '/emulator/messages', { type: 'patient.admit' });
    await listen.waitFor(/patient\.admit/, 'stdout');
    // Close our end of its stdout, as `head` does after its first line; the next message hits a closed pipe.
    listen.child.stdout?.destroy();
    await emulatorApi(emulator.url, 'POST', '/emulator/messages', { type: 'patient.discharge' });
    const exit = await listen.exited;
    expect(exit.code).toBe(0);
    expect(listen.stderr()).toContain('stdout was closed by its reader: stopping.');
    expect(listen.stderr()).toContain(`Restored the webhook URL to ${previous}.`);
    expect((await emulatorApi(emulator.url, 'GET', '/settings')).json.webhookUrl).toBe(previous);
  });
});
