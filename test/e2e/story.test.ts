import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registrationFile } from '../../src/state/paths.js';
import { type CliWorld, emulatorApi, spawnEmulator, spawnListenBehindTunnel, TEST_API_KEY, useCliWorlds } from '../helpers/cli-env.js';
import { captureFiles, refusingUrl } from '../helpers/servers.js';
import { cleanEnv, READY } from '../helpers/spawn-cli.js';

const worlds = useCliWorlds();
let world: CliWorld;

async function newWorld(): Promise<CliWorld> {
  world = await worlds.newWorld();
  return world;
}

function startListen(world: CliWorld, apiUrl: string, extra: string[] = []) {
  return spawnListenBehindTunnel(world, { apiUrl, args: extra, onCleanup: worlds.onCleanup });
}

describe('the whole story, through spawned CLIs', () => {
  it('registers, receives, fails while away, retries, dedupes and restores', async () => {
    const world = await newWorld();
    const out = join(world.cwd, 'captures');
    const emulator = await spawnEmulator(world);
    const previousUrl = await refusingUrl('/my-app/webhook');
    expect((await emulatorApi(emulator.url, 'POST', '/settings', { webhookUrl: previousUrl })).status).toBe(200);

    // listen registers its URL and answers Metriport's ping
    const first = await startListen(world, emulator.url, ['--out', out]);
    expect((await emulatorApi(emulator.url, 'GET', '/settings')).json.webhookUrl).toBe(first.webhookUrl);
    await first.run.waitFor(/ping {2}answered/);
    await first.run.waitFor(/healthy {2}Metriport's ping succeeded/);
    const stateFile = registrationFile(join(world.env.XDG_STATE_HOME, 'metriport-webhook'), emulator.url);
    expect((await stat(stateFile)).mode & 0o777).toBe(0o600);

    // a message arrives, is verified and stored
    const admit = await emulatorApi(emulator.url, 'POST', '/emulator/messages', { type: 'patient.admit' });
    expect(admit.json).toMatchObject({ status: 'success', httpStatus: 200 });
    await first.run.waitFor(/patient\.admit/, 'stdout');

    // stopped: the previous URL is back
    first.run.child.kill('SIGINT');
    expect((await first.run.exited).code).toBe(0);
    expect(first.run.stderr()).toContain(`Restored the webhook URL to ${previousUrl}.`);
    expect((await emulatorApi(emulator.url, 'GET', '/settings')).json.webhookUrl).toBe(previousUrl);
    await expect(stat(stateFile)).rejects.toThrow();

    // while nobody listens, a new message and a re-send of the admitted one fail
    const admitted = JSON.parse(await readFile(join(out, (await captureFiles(out))[0] ?? ''), 'utf8'));
    const discharge = await emulatorApi(emulator.url, 'POST', '/emulator/messages', { type: 'patient.discharge' });
    const again = await emulatorApi(emulator.url, 'POST', '/emulator/messages', admitted);
    expect([discharge.json.status, again.json.status]).toEqual(['failure', 'failure']);

    const status = world.spawn(['status', '--json', '--api-url', emulator.url], { METRIPORT_API_KEY: TEST_API_KEY });
    expect((await status.exited).code).toBe(0);
    expect(JSON.parse(status.stdout())).toEqual({
      webhookUrl: previousUrl,
      webhookEnabled: false,
      webhookStatusDetail: expect.stringContaining('ECONNREFUSED'),
      webhookRequestsProcessing: 0,
      webhookRequestsFailed: 2,
    });
    const human = world.spawn(['status', '--api-url', emulator.url], { METRIPORT_API_KEY: TEST_API_KEY });
    await human.exited;
    expect(human.stdout()).toMatch(/^Failed: 2$/m);
    expect(human.stdout()).toMatch(/^Healthy: no \(.*ECONNREFUSED.*\)$/m);
    expect(human.stdout()).toContain('retry --wait');

    // listen again; retry delivers both; the re-sent one is a duplicate
    const second = await startListen(world, emulator.url, ['--out', out, '--json']);
    await second.run.waitFor(/healthy/);
    const retry = world.spawn(['retry', '--wait', '--json', '--api-url', emulator.url], { METRIPORT_API_KEY: TEST_API_KEY });
    expect((await retry.exited).code).toBe(0);
    expect(JSON.parse(retry.stdout())).toMatchObject({
      webhookUrl: second.webhookUrl,
      failedBefore: 2,
      started: true,
      delivered: 2,
      failed: 0,
    });
    expect(retry.stderr()).toContain(`Retrying 2 failed request(s) to ${second.webhookUrl}.`);
    await second.run.waitFor(/patient\.discharge/, 'stdout');
    await second.run.waitFor(/duplicate {2}patient\.admit/);
    const files = await captureFiles(out);
    expect(files.map((name) => name.split('_')[2])).toEqual(['patient.admit', 'patient.discharge']);
    expect(JSON.parse(second.run.stdout().trim()).messageId).toBe(discharge.json.messageId);

    second.run.child.kill('SIGTERM');
    expect((await second.run.exited).code).toBe(0);
    expect((await emulatorApi(emulator.url, 'GET', '/settings')).json.webhookUrl).toBe(previousUrl);

    // nothing secret was printed by any process
    const webhookKey = (await emulatorApi(emulator.url, 'GET', '/settings')).json.webhookKey as string;
    expect(world.allOutput()).not.toContain(TEST_API_KEY);
    expect(world.allOutput()).not.toContain(webhookKey);
  });

  it('recovers after kill -9: restore puts the URL back, and a live listener is not overridden', async () => {
    const world = await newWorld();
    const emulator = await spawnEmulator(world);
    const previousUrl = await refusingUrl();
    await emulatorApi(emulator.url, 'POST', '/settings', { webhookUrl: previousUrl });

    const first = await startListen(world, emulator.url);
    const blocked = world.spawn(['listen', '--port', '0', '--public-url', 'http://127.0.0.1:9/x', '--api-url', emulator.url], {
      METRIPORT_API_KEY: TEST_API_KEY,
    });
    expect((await blocked.exited).code).toBe(2);
    expect(blocked.stderr()).toMatch(/Another listen \(pid \d+\) has .* registered.*--force/);

    first.run.child.kill('SIGKILL');
    await first.run.exited;
    expect((await emulatorApi(emulator.url, 'GET', '/settings')).json.webhookUrl).toBe(first.webhookUrl);
    const stateFile = registrationFile(join(world.env.XDG_STATE_HOME, 'metriport-webhook'), emulator.url);
    const chain = JSON.parse(await readFile(stateFile, 'utf8'));
    expect(chain.records).toEqual([
      expect.objectContaining({ previousUrl, registeredUrl: first.webhookUrl, pid: first.run.child.pid, apiUrl: emulator.url }),
    ]);
    expect(JSON.stringify(chain)).not.toContain(TEST_API_KEY);

    const restore = world.spawn(['restore', '--api-url', emulator.url], { METRIPORT_API_KEY: TEST_API_KEY });
    expect((await restore.exited).code).toBe(0);
    expect(restore.stderr()).toContain(`Restored the webhook URL to ${previousUrl}.`);
    expect((await emulatorApi(emulator.url, 'GET', '/settings')).json.webhookUrl).toBe(previousUrl);
    const nothing = world.spawn(['restore', '--api-url', emulator.url], { METRIPORT_API_KEY: TEST_API_KEY });
    expect((await nothing.exited).code).toBe(0);
    expect(nothing.stderr()).toContain('Nothing to restore');
  });

  it('restores a crashed registration before registering again', async () => {
    const world = await newWorld();
    const emulator = await spawnEmulator(world);
    const previousUrl = await refusingUrl();
    await emulatorApi(emulator.url, 'POST', '/settings', { webhookUrl: previousUrl });
    const first = await startListen(world, emulator.url);
    first.run.child.kill('SIGKILL');
    await first.run.exited;

    const second = await startListen(world, emulator.url);
    expect(second.run.stderr()).toMatch(/ended without restoring the webhook URL; restoring it first/);
    expect(second.run.stderr()).toContain(`Restored the webhook URL to ${previousUrl}.`);
    second.run.child.kill('SIGINT');
    expect((await second.run.exited).code).toBe(0);
    expect((await emulatorApi(emulator.url, 'GET', '/settings')).json.webhookUrl).toBe(previousUrl);
  });

  it('listen --emulator registers, is pinged, receives one sample of each type, and every command it suggests runs as printed', async () => {
    const world = await newWorld();
    const out = join(world.cwd, 'out');
    const run = world.spawn(['listen', '--emulator', '--port', '0', '--out', out, '--json']);
    await run.waitFor(READY);
    await run.waitFor(/ping {2}answered/);
    await run.waitFor(/network-query\.pharmacy/, 'stdout');
    await run.waitFor(/patient\.transfer/, 'stdout');
    // The hints come again once the samples are in, so they are on the last screen.
    await run.waitFor(/one sample of each[\s\S]*From another terminal:(\n {2}.*){4}\n/);
    const lastHints = run.stderr().split('From another terminal:\n').at(-1) ?? '';
    const printed = lastHints
      .split('\n')
      .filter((line) => line.startsWith('  '))
      .map((line) => line.trim());
    expect(printed).toHaveLength(5);
    expect(printed[0]).toMatch(
      /^node \S+metriport-webhook\.js trigger patient\.admit --via-api --api-url http:\/\/127\.0\.0\.1:\d+ --api-key local-emulator$/,
    );

    // Each suggested command, run exactly as printed, from the user's folder.
    for (const command of printed) {
      const child = spawn('sh', ['-c', command], { cwd: world.cwd, env: cleanEnv(world.env), stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect({ command, code, output }).toMatchObject({ command, code: 0 });
    }
    await run.waitFor(/medical\.document-bulk-download-paged[\s\S]*patient\.admit[\s\S]*patient\.admit/, 'stdout');

    run.child.kill('SIGINT');
    expect((await run.exited).code).toBe(0);
    const types = run
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).type as string);
    // 19 samples (every type but the ping), the one the printed trigger sent through sample-payload, and the
    // three of the printed document-query flow.
    expect(new Set(types).size).toBe(19);
    expect(types).toHaveLength(23);
    expect(await captureFiles(out)).toHaveLength(23);
    expect(run.stderr()).toMatch(
      /The emulator's account keeps http:\/\/\S+ as its webhook URL; the next listen --emulator registers its own\./,
    );
    expect(run.stderr()).not.toMatch(/dashboard/);
  });
});
