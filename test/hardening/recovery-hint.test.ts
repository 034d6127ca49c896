import { spawn } from 'node:child_process';
import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type CliWorld, useCliWorlds } from '../helpers/cli-env.js';
import { refusingUrl, startLocalTunnel } from '../helpers/servers.js';
import { cleanEnv, READY } from '../helpers/spawn-cli.js';

// A listen whose API goes away at stop prints the `restore` that puts the URL back. Run exactly as printed,
// through sh, in a shell that has none of listen's environment, once the API is back, it must restore.
const worlds = useCliWorlds();
const EMULATOR_KEY = 'local-emulator';

/**
 * A TCP relay in front of the API whose behaviour a test switches: passing bytes on, refusing (each
 * connection reset at once), or hanging (connections accepted, never answered). A switch drops every
 * connection open so far, so a kept-alive one cannot slip past it.
 */
async function switchableRelay(target: string) {
  let mode: 'pass' | 'refuse' | 'hang' = 'pass';
  const sockets = new Set<Socket>();
  const hung = new Set<() => void>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  const server = createServer((incoming) => {
    track(incoming);
    if (mode === 'refuse') return void incoming.resetAndDestroy();
    if (mode === 'hang') {
      for (const notify of hung) notify();
      return;
    }
    const outgoing = createConnection({ host: '127.0.0.1', port: Number(new URL(target).port) });
    track(outgoing);
    incoming.pipe(outgoing).pipe(incoming);
    outgoing.on('close', () => incoming.destroy());
    incoming.on('close', () => outgoing.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  worlds.onCleanup(
    () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(resolve);
      }),
  );
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set(next: 'pass' | 'refuse' | 'hang') {
      mode = next;
      for (const socket of sockets) socket.destroy();
    },
    /** Resolves when a connection arrives while hanging. */
    nextHang: () =>
      new Promise<void>((resolve) => {
        const notify = () => {
          hung.delete(notify);
          resolve();
        };
        hung.add(notify);
      }),
  };
}

async function settingsOf(apiUrl: string): Promise<{ webhookUrl: string | null }> {
  return (await fetch(`${apiUrl}/settings`, { headers: { 'x-api-key': EMULATOR_KEY } })).json() as Promise<{ webhookUrl: string | null }>;
}

/** An emulator with a previous URL set, behind a relay; listen registers a loopback stand-in tunnel with it. */
async function accountWithPreviousUrl(world: CliWorld) {
  const emulator = world.spawn(['emulator', '--port', '0', '--allow-local-urls']);
  const [, emulatorUrl = ''] = await emulator.waitFor(/Emulator ready: (http:\/\/\S+)/);
  const previousUrl = await refusingUrl();
  // A new account has no settings row until it is read, as on Metriport (POST alone answers 404).
  await settingsOf(emulatorUrl);
  const updated = await fetch(`${emulatorUrl}/settings`, {
    method: 'POST',
    headers: { 'x-api-key': EMULATOR_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ webhookUrl: previousUrl }),
  });
  expect(updated.status).toBe(200);
  const relay = await switchableRelay(emulatorUrl);
  return { emulatorUrl, previousUrl, relay };
}

async function startListen(world: CliWorld, input: { args: string[]; env: Record<string, string> }) {
  const tunnel = await startLocalTunnel();
  worlds.onCleanup(() => tunnel.close());
  const run = world.spawn(['listen', '--port', '0', '--no-inspect', '--public-url', tunnel.url, ...input.args], input.env);
  const [, url = ''] = await run.waitFor(READY);
  tunnel.relayTo(Number(new URL(url).port));
  return run;
}

/** Runs a printed command line as a user pastes it into a new shell: sh, their folder, none of listen's variables. */
async function runAsPrinted(world: CliWorld, line: string) {
  const child = spawn('sh', ['-c', line], { cwd: world.cwd, env: cleanEnv(world.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, output };
}

/** The restore command a text prints between backticks. */
function printedRestore(text: string): string {
  const [, line = ''] = /`(node \S+ restore[^`]*)`/.exec(text) ?? [];
  return line;
}

describe('the restore printed after a failed stop restores when run as printed', () => {
  it('API and key given in the environment of listen only; the API refuses at stop', async () => {
    const world = await worlds.newWorld();
    const { emulatorUrl, previousUrl, relay } = await accountWithPreviousUrl(world);
    const run = await startListen(world, { args: [], env: { METRIPORT_API_URL: relay.url, METRIPORT_API_KEY: EMULATOR_KEY } });
    relay.set('refuse');
    run.child.kill('SIGINT');
    expect((await run.exited).code).toBe(4);
    expect(run.stderr()).toMatch(/Could not restore the webhook URL to /);
    const line = printedRestore(run.stderr());
    expect(line).not.toBe('');
    expect((await settingsOf(emulatorUrl)).webhookUrl).not.toBe(previousUrl);

    relay.set('pass');
    const restored = await runAsPrinted(world, line);
    expect(restored).toMatchObject({ code: 0, output: expect.stringContaining(`Restored the webhook URL to ${previousUrl}.`) });
    expect((await settingsOf(emulatorUrl)).webhookUrl).toBe(previousUrl);
  });

  it('API and key given as flags; the API hangs at stop and a second Ctrl-C forces the exit', async () => {
    const world = await worlds.newWorld();
    const { emulatorUrl, previousUrl, relay } = await accountWithPreviousUrl(world);
    const run = await startListen(world, { args: ['--api-url', relay.url, '--api-key', EMULATOR_KEY], env: {} });
    relay.set('hang');
    const hanging = relay.nextHang();
    run.child.kill('SIGINT');
    await hanging;
    run.child.kill('SIGINT');
    expect((await run.exited).code).toBe(130);
    expect(run.stderr()).toMatch(/Second SIGINT: exiting now .* or restoring the webhook URL; run `node /);
    const line = printedRestore(run.stderr());
    expect(line).not.toBe('');

    relay.set('pass');
    const restored = await runAsPrinted(world, line);
    expect(restored).toMatchObject({ code: 0, output: expect.stringContaining(`Restored the webhook URL to ${previousUrl}.`) });
    expect((await settingsOf(emulatorUrl)).webhookUrl).toBe(previousUrl);
  });
});
