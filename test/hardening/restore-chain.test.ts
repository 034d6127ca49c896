import { chmod, chown, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registrationFile } from '../../src/state/paths.js';
import { parseChain } from '../../src/state/registration-record.js';
import { type CliWorld, emulatorApi, spawnEmulator, spawnListenBehindTunnel, TEST_API_KEY, useCliWorlds } from '../helpers/cli-env.js';
import { refusingUrl } from '../helpers/servers.js';

// The URL always comes back: whatever order listens start, stop and crash in, and whatever the state file holds.

const worlds = useCliWorlds();
const env = { METRIPORT_API_KEY: TEST_API_KEY };

async function setUp(): Promise<{ world: CliWorld; apiUrl: string; original: string; stateFile: string }> {
  const world = await worlds.newWorld();
  const emulator = await spawnEmulator(world);
  const original = await refusingUrl('/my-app/webhook');
  await emulatorApi(emulator.url, 'POST', '/settings', { webhookUrl: original });
  const stateFile = registrationFile(join(world.env.XDG_STATE_HOME, 'metriport-webhook'), emulator.url);
  return { world, apiUrl: emulator.url, original, stateFile };
}

const currentUrl = async (apiUrl: string) => (await emulatorApi(apiUrl, 'GET', '/settings')).json.webhookUrl as string | null;

describe('the restore chain', () => {
  it('A, then B --force, A stops: B keeps its record; B is killed: restore still brings the original URL back', async () => {
    const { world, apiUrl, original, stateFile } = await setUp();
    const a = await spawnListenBehindTunnel(world, { apiUrl, onCleanup: worlds.onCleanup });
    const b = await spawnListenBehindTunnel(world, { apiUrl, args: ['--force'], onCleanup: worlds.onCleanup });
    expect(b.run.stderr()).toMatch(/Taking the webhook URL over from listen pid \d+ \(--force\)/);
    expect(await currentUrl(apiUrl)).toBe(b.webhookUrl);

    a.run.child.kill('SIGINT');
    expect((await a.run.exited).code).toBe(0);
    expect(a.run.stderr()).toMatch(/changed to .* by someone else since; left as it is/);
    expect(await currentUrl(apiUrl)).toBe(b.webhookUrl);
    const chain = JSON.parse(await readFile(stateFile, 'utf8')).records;
    expect(chain).toEqual([expect.objectContaining({ registeredUrl: b.webhookUrl, previousUrl: original })]);

    b.run.child.kill('SIGKILL');
    await b.run.exited;
    const restore = world.spawn(['restore', '--api-url', apiUrl], env);
    expect((await restore.exited).code).toBe(0);
    expect(restore.stderr()).toContain(`Restored the webhook URL to ${original}.`);
    expect(await currentUrl(apiUrl)).toBe(original);
  });

  it('two listens started at the same moment: one registers, the other refuses, and the original comes back', async () => {
    const { world, apiUrl, original, stateFile } = await setUp();
    const starts = await Promise.allSettled([
      spawnListenBehindTunnel(world, { apiUrl, onCleanup: worlds.onCleanup }),
      spawnListenBehindTunnel(world, { apiUrl, onCleanup: worlds.onCleanup }),
    ]);
    const running = starts.filter((start) => start.status === 'fulfilled');
    const refused = starts.filter((start) => start.status === 'rejected');
    expect([running.length, refused.length]).toEqual([1, 1]);
    expect(String((refused[0] as PromiseRejectedResult).reason)).toMatch(/Another listen \(pid \d+\) (has .* registered|is registering)/);
    expect(JSON.parse(await readFile(stateFile, 'utf8')).records).toHaveLength(1);

    const winner = (running[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof spawnListenBehindTunnel>>>).value;
    winner.run.child.kill('SIGINT');
    expect((await winner.run.exited).code).toBe(0);
    expect(await currentUrl(apiUrl)).toBe(original);
  });

  it('a damaged record is kept aside, reported, and its dead URL is never put back as "previous"', async () => {
    const { world, apiUrl, stateFile } = await setUp();
    const crashed = await spawnListenBehindTunnel(world, { apiUrl, onCleanup: worlds.onCleanup });
    crashed.run.child.kill('SIGKILL');
    await crashed.run.exited;
    const text = await readFile(stateFile, 'utf8');
    await writeFile(stateFile, text.slice(0, Math.floor(text.length / 2)));

    const next = await spawnListenBehindTunnel(world, { apiUrl, onCleanup: worlds.onCleanup });
    expect(next.run.stderr()).toMatch(/could not be read \(it is not JSON \(cut short by a crash\?\)\); it is kept as .*\.damaged-\d+/);
    const kept = (await readdir(join(world.env.XDG_STATE_HOME, 'metriport-webhook'))).filter((name) => name.includes('.damaged-'));
    expect(kept).toHaveLength(1);
    next.run.child.kill('SIGINT');
    expect((await next.run.exited).code).toBe(0);
    expect(next.run.stderr()).toMatch(/The URL before this listen was unknown/);
    // Not the crashed run's dead tunnel URL: what this listen registered stays until the user sets it.
    expect(await currentUrl(apiUrl)).toBe(next.webhookUrl);
    expect(await currentUrl(apiUrl)).not.toBe(crashed.webhookUrl);
  });

  it('refuses a state file owned by another user or writable by others, and ignores records of another API', async () => {
    const { world, apiUrl, original, stateFile } = await setUp();
    await mkdir(join(world.env.XDG_STATE_HOME, 'metriport-webhook'), { recursive: true, mode: 0o700 });
    const planted = {
      version: 2,
      records: [
        {
          id: 'x',
          environment: 'custom',
          apiUrl,
          previousUrl: 'https://attacker.example.com/hook',
          registeredUrl: original,
          pid: 2 ** 22 + 3,
          startedAt: new Date().toISOString(),
        },
      ],
    };
    await writeFile(stateFile, JSON.stringify(planted), { mode: 0o600 });
    await chmod(stateFile, 0o666);
    const writable = world.spawn(['restore', '--api-url', apiUrl], env);
    expect((await writable.exited).code).toBe(6);
    expect(writable.stderr()).toMatch(/is writable by other users, so its URLs cannot be trusted\. Check it, then fix it/);
    await chmod(stateFile, 0o600);
    await chown(stateFile, 65534, 65534);
    const foreign = world.spawn(['restore', '--api-url', apiUrl], env);
    expect((await foreign.exited).code).toBe(6);
    expect(foreign.stderr()).toMatch(/is not owned by you/);
    expect(await currentUrl(apiUrl)).toBe(original);

    await chown(stateFile, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
    await writeFile(
      stateFile,
      JSON.stringify({ version: 2, records: [{ ...planted.records[0], apiUrl: 'https://api.elsewhere.example.com' }] }),
      { mode: 0o600 },
    );
    const other = world.spawn(['restore', '--api-url', apiUrl], env);
    expect((await other.exited).code).toBe(0);
    expect(other.stderr()).toMatch(
      /A registration record for another API \(https:\/\/api\.elsewhere\.example\.com\) is in this state file; left alone\.\nNothing to restore/,
    );
    expect(await currentUrl(apiUrl)).toBe(original);
  });
});

describe('parseChain', () => {
  const good = {
    id: 'a',
    environment: 'sandbox',
    apiUrl: 'https://api.sandbox.metriport.com',
    previousUrl: null,
    registeredUrl: 'https://t.example.com/webhook',
    pid: 123,
    startedAt: '2026-11-29T00:00:00.000Z',
  };
  it.each([
    ['null', 'null'],
    ['a string pid', JSON.stringify({ ...good, pid: '123' })],
    ['pid 0 (kill(0) would signal the whole group)', JSON.stringify({ ...good, pid: 0 })],
    ['a negative pid', JSON.stringify({ ...good, pid: -1 })],
    ['a numeric previous URL', JSON.stringify({ ...good, previousUrl: 7 })],
    ['an empty registered URL', JSON.stringify({ ...good, registeredUrl: '' })],
    ['a chain with one bad record', JSON.stringify({ version: 2, records: [good, { ...good, pid: null }] })],
    ['truncated JSON', JSON.stringify(good).slice(0, 40)],
  ])('refuses %s', (_name, text) => {
    expect(parseChain(text).ok).toBe(false);
  });

  it('reads the first format (one record) and the chain', () => {
    const { id: _id, ...legacy } = good;
    expect(parseChain(JSON.stringify(legacy))).toEqual({ ok: true, records: [{ ...legacy, id: '123-2026-11-29T00:00:00.000Z' }] });
    expect(parseChain(JSON.stringify({ version: 2, records: [good] }))).toEqual({ ok: true, records: [good] });
  });
});
