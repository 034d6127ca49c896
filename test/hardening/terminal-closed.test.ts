import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { registrationFile } from '../../src/state/paths.js';
import { emulatorApi, spawnEmulator, TEST_API_KEY, useCliWorlds } from '../helpers/cli-env.js';
import { refusingUrl, startLocalTunnel } from '../helpers/servers.js';
import { BIN } from '../helpers/spawn-cli.js';

const run = promisify(execFile);
const worlds = useCliWorlds();

/** One argument for `sh -c`, whatever it holds (the clone's path may have spaces or quotes). */
const quoted = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

describe('closing the terminal that runs listen', () => {
  // SIGHUP arrives with the pty already gone: the "SIGHUP: stopping…" line cannot be written (EIO). That
  // failed write once killed the process before it put the webhook URL back.
  it('still puts the previous webhook URL back and clears the record (tmux kill-session: a real pty that goes away)', async () => {
    const world = await worlds.newWorld();
    const emulator = await spawnEmulator(world);
    const previousUrl = await refusingUrl('/my-app/webhook');
    await emulatorApi(emulator.url, 'POST', '/settings', { webhookUrl: previousUrl });
    const tunnel = await startLocalTunnel();
    worlds.onCleanup(() => tunnel.close());

    // A tmux server of its own (-L), so the test touches no other session on the machine.
    const socket = `mw-hup-${process.pid}-${Date.now()}`;
    const env = { HOME: world.env.HOME, XDG_STATE_HOME: world.env.XDG_STATE_HOME, METRIPORT_API_KEY: TEST_API_KEY };
    const listen = [process.execPath, BIN, 'listen', '--port', '0', '--public-url', tunnel.url, '--api-url', emulator.url, '--no-inspect'];
    const command = `cd ${quoted(world.cwd)} && env ${Object.entries(env)
      .map(([name, value]) => `${name}=${quoted(value)}`)
      .join(' ')} ${listen.map(quoted).join(' ')}`;
    await run('tmux', ['-L', socket, 'new-session', '-d', '-x', '120', '-y', '40', command]);
    worlds.onCleanup(() => run('tmux', ['-L', socket, 'kill-server']).catch(() => undefined));

    const registered = `${tunnel.url}/webhook`;
    const stateFile = registrationFile(join(world.env.XDG_STATE_HOME, 'metriport-webhook'), emulator.url);
    await expect
      .poll(async () => (await emulatorApi(emulator.url, 'GET', '/settings')).json.webhookUrl, { timeout: 20_000 })
      .toBe(registered);
    await stat(stateFile);

    // The terminal goes away, as when its window is closed or an SSH connection drops.
    await run('tmux', ['-L', socket, 'kill-session']);

    await expect
      .poll(async () => (await emulatorApi(emulator.url, 'GET', '/settings')).json.webhookUrl, { timeout: 20_000 })
      .toBe(previousUrl);
    await expect
      .poll(
        async () =>
          stat(stateFile).then(
            () => 'still there',
            () => 'removed',
          ),
        { timeout: 10_000 },
      )
      .toBe('removed');
  });
});
