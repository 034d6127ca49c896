import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSampleTypes } from '../../src/samples/samples.js';
import { type CliWorld, spawnEmulator, TEST_API_KEY, useCliWorlds } from '../helpers/cli-env.js';
import { captureFiles, refusingUrl } from '../helpers/servers.js';
import { READY } from '../helpers/spawn-cli.js';
import { TEST_KEY } from '../helpers/webhooks.js';

const worlds = useCliWorlds();
let world: CliWorld;

async function newWorld(): Promise<CliWorld> {
  world = await worlds.newWorld();
  return world;
}

async function listener(out: string) {
  const run = world.spawn(['listen', '--no-tunnel', '--port', '0', '--out', out, '--json'], { METRIPORT_WEBHOOK_KEY: TEST_KEY });
  const [, url] = await run.waitFor(READY);
  return { run, url: url ?? '' };
}

async function cli(args: string[], env: Record<string, string> = {}) {
  const child = world.spawn(args, env);
  const { code } = await child.exited;
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

describe('trigger', () => {
  it('lists the sample types', async () => {
    await newWorld();
    const result = await cli(['trigger', '--list']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.map((line) => line.split('\t')[0])).toEqual(listSampleTypes());
    expect(lines).toContain('ping');
    expect(lines).toContain('medical.consolidated-data\t(also --failed)');
  });

  it('signs a sample, applies --set, and reports the status', async () => {
    await newWorld();
    const target = await listener(join(world.cwd, 'out'));
    const result = await cli(
      ['trigger', 'medical.document-download', '--to', target.url, '--set', 'meta.data.clinic=north', '--set', 'patients.0.status=failed'],
      {
        METRIPORT_WEBHOOK_KEY: TEST_KEY,
      },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^200 OK {2}medical\.document-download {2}[0-9a-f-]{36} {2}→ http:\/\/127\.0\.0\.1:\d+\/webhook {2}in \d+ ms\n$/,
    );
    await target.run.waitFor(/medical\.document-download/, 'stdout');
    const line = JSON.parse(target.run.stdout().trim());
    expect(line.payload.meta.data).toEqual({ clinicId: 'demo-clinic-12', clinic: 'north' });
    expect(line.payload.patients[0].status).toBe('failed');
  });

  it.each([
    [['trigger', 'no.such-type', '--webhook-key', 'k'], 2, /There is no sample of "no\.such-type"\. Pick one of: /],
    [
      ['trigger', 'patient.admit'],
      2,
      /No webhook key: nothing to sign the sample with\..*give an API key .* so it is read from the account: `node \S+ key` shows it\./,
    ],
    [['trigger'], 2, /Name the message type to send/],
    [
      ['trigger', 'medical.document-bulk-download-paged', '--webhook-key', 'k', '--set', 'patients.0.pagnation.page=2'],
      2,
      /^Error: --set patients\.0\.pagnation\.page=2: "patients\.0\.pagnation" is not a field of this message\. Did you mean patients\.0\.pagination\?\n$/,
    ],
  ])('refuses %j', async (args, code, message) => {
    await newWorld();
    const result = await cli(args);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });

  it('exits 1 when the listener refuses or cannot be reached', async () => {
    await newWorld();
    const target = await listener(join(world.cwd, 'out'));
    const refused = await cli(['trigger', 'patient.admit', '--to', target.url, '--webhook-key', 'not-the-key']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^401 failed/);
    const nobody = await cli(['trigger', 'patient.admit', '--to', await refusingUrl(), '--webhook-key', 'k']);
    expect(nobody.code).toBe(1);
    // --to was given: nothing suggests passing it, nor that this must be a listener.
    expect(nobody.stderr).toMatch(/Could not deliver patient\.admit to .* \(ECONNREFUSED\)\. Is your app or a listener running there\?\n$/);
  });
});

describe('trigger ping and --failed', () => {
  it('sends a signed ping that the listener answers with the pong, and a failed outcome on request', async () => {
    await newWorld();
    const out = join(world.cwd, 'out');
    const target = await listener(out);
    const ping = await cli(['trigger', 'ping', '--to', target.url], { METRIPORT_WEBHOOK_KEY: TEST_KEY });
    expect(ping.code).toBe(0);
    expect(ping.stdout).toMatch(/^200 OK {2}ping /);
    await target.run.waitFor(/ping {2}answered/);

    const failed = await cli(['trigger', 'medical.consolidated-data', '--failed', '--to', target.url], { METRIPORT_WEBHOOK_KEY: TEST_KEY });
    expect(failed.code).toBe(0);
    await target.run.waitFor(/medical\.consolidated-data/, 'stdout');
    const line = JSON.parse(target.run.stdout().trim().split('\n').at(-1) ?? '{}');
    expect(line.payload.patients[0]).toMatchObject({ status: 'failed' });
    expect(line.payload.patients[0].bundle).toBeUndefined();

    const none = await cli(['trigger', 'patient.admit', '--failed', '--webhook-key', 'k']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/"patient\.admit" has no failed outcome\. Types with one: medical\./);
  });

  it('calls a 200 without the matching pong a failure, as Metriport does', async () => {
    await newWorld();
    const { startTargetApp } = await import('../helpers/servers.js');
    const app = await startTargetApp(() => ({ status: 200, body: '{"pong":"not-it"}' }));
    worlds.onCleanup(() => app.close());
    const ping = await cli(['trigger', 'ping', '--to', app.url, '--webhook-key', 'k']);
    expect(ping.code).toBe(1);
    expect(ping.stdout).toMatch(/^200 failed \(answered without the matching \{"pong": …\}\) {2}ping /);
  });
});

describe('replay', () => {
  it('re-sends captured files with their exact bytes, in arrival order', async () => {
    await newWorld();
    const source = join(world.cwd, 'source');
    const first = await listener(source);
    for (const type of ['patient.admit', 'devices.health-data', 'medical.consolidated-data']) {
      expect((await cli(['trigger', type, '--to', first.url], { METRIPORT_WEBHOOK_KEY: TEST_KEY })).code).toBe(0);
    }
    const copy = join(world.cwd, 'copy');
    const second = await listener(copy);
    const result = await cli(['replay', source, '--to', second.url], { METRIPORT_WEBHOOK_KEY: TEST_KEY });
    expect(result.code).toBe(0);
    expect(
      result.stdout
        .trim()
        .split('\n')
        .map((line) => line.split('  ')[1]),
    ).toEqual(['patient.admit', 'devices.health-data', 'medical.consolidated-data']);
    expect(result.stderr).toContain('Replayed 3 message(s)');
    const originals = await captureFiles(source);
    const copies = await captureFiles(copy);
    expect(copies).toHaveLength(3);
    for (let i = 0; i < 3; i += 1) {
      expect(await readFile(join(copy, copies[i] ?? ''))).toEqual(await readFile(join(source, originals[i] ?? '')));
    }
    const again = await cli(['replay', source, '--to', second.url, '--json'], { METRIPORT_WEBHOOK_KEY: TEST_KEY });
    expect(again.code).toBe(0);
    await second.run.waitFor(/duplicate(.*\n)*.*duplicate(.*\n)*.*duplicate/);
    expect(await captureFiles(copy)).toHaveLength(3);
  });

  it('exits 1 when a message is refused, and names a missing path', async () => {
    await newWorld();
    const source = join(world.cwd, 'source');
    const target = await listener(source);
    await cli(['trigger', 'patient.admit', '--to', target.url], { METRIPORT_WEBHOOK_KEY: TEST_KEY });
    const refused = await cli(['replay', source, '--to', target.url, '--webhook-key', 'wrong']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^401 Request failed with status code 401/);
    const missing = await cli(['replay', join(world.cwd, 'nope'), '--webhook-key', 'k']);
    expect(missing.code).toBe(6);
    expect(missing.stderr).toMatch(/Could not read .*nope \(ENOENT\)\. Pass capture files or the folder given to listen --out\./);
  });
});

describe('status --watch', () => {
  it('prints one JSON object per refresh until Ctrl-C', async () => {
    await newWorld();
    const emulator = await spawnEmulator(world);
    const watch = world.spawn(['status', '--watch', '--interval', '100ms', '--json', '--api-url', emulator.url], {
      METRIPORT_API_KEY: TEST_API_KEY,
    });
    await watch.waitFor(/\}\n.*\}\n/, 'stdout');
    watch.child.kill('SIGINT');
    expect((await watch.exited).code).toBe(0);
    for (const line of watch.stdout().trim().split('\n'))
      expect(JSON.parse(line)).toMatchObject({ webhookUrl: null, webhookRequestsFailed: 0 });
  });
});
