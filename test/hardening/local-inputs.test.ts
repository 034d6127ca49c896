import { spawnSync } from 'node:child_process';
import { chmod, lstat, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliWorld, useCliWorlds } from '../helpers/cli-env.js';
import { startTargetApp } from '../helpers/servers.js';
import { READY } from '../helpers/spawn-cli.js';
import { messageBody, postSigned, TEST_KEY } from '../helpers/webhooks.js';

// What the CLI reads or writes on this machine that someone else may have shaped: a folder of captures
// received from elsewhere, the state folder, a --jsonl path, the headers passed to --forward-to.
const worlds = useCliWorlds();
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const OSC52 = '\u001b]52;c;ZXZpbA==\u0007';

describe('replay', () => {
  it('shows foreign file names escaped, never as terminal sequences', async () => {
    const world = await worlds.newWorld();
    const app = await startTargetApp();
    worlds.onCleanup(() => app.close());
    const folder = join(world.cwd, 'received');
    await mkdir(folder);
    await writeFile(join(folder, `20261128T101112345Z_000001_patient.admit_${OSC52}\u009b2J.json`), messageBody('patient.admit'));
    for (const args of [[], ['--json']]) {
      const replay = world.spawn(['replay', folder, '--to', `${app.url}/hook`, '--webhook-key', TEST_KEY, ...args]);
      expect((await replay.exited).code).toBe(0);
      expect(replay.stdout() + replay.stderr()).not.toMatch(RAW_CONTROL);
      if (args.length === 0) expect(replay.stdout()).toContain('patient.admit_\\x1b]52;c;ZXZpbA==\\x07\\x9b2J.json');
      else expect(JSON.parse(replay.stdout()).file).toContain(`patient.admit_${OSC52}\u009b2J.json`);
    }
  });
});

describe('listen --forward-to --header', () => {
  it('cannot replace the signature or the framing the app receives: a usage error naming why, before anything starts', async () => {
    const world = await worlds.newWorld();
    const app = await startTargetApp();
    worlds.onCleanup(() => app.close());
    for (const header of ['X-Metriport-Signature: forged', 'Content-Length: 3', 'Host: elsewhere.example.com']) {
      const run = world.spawn(['listen', '--no-tunnel', '--port', '0', '--forward-to', `${app.url}/hook`, '--header', header], {
        METRIPORT_WEBHOOK_KEY: TEST_KEY,
      });
      // Had it started, a signed message would reach the app with the header replaced.
      const ready = await run.waitFor(READY).then(
        ([, url]) => url ?? '',
        () => undefined,
      );
      if (ready !== undefined) {
        await postSigned(ready, messageBody()).catch(() => undefined);
        run.child.kill('SIGINT');
      }
      expect(app.requests.map((request) => [request.headers['x-metriport-signature'], request.headers.host])).toEqual([]);
      expect((await run.exited).code).toBe(2);
      expect(run.stderr()).toMatch(/--header [\w-]+ cannot be set: it (frames the request|is Metriport's)/);
    }
    expect(app.requests).toHaveLength(0);
  });
});

describe('listen --jsonl', () => {
  /** Starts listen with --jsonl at `path`; if it gets as far as ready, it is stopped again. */
  async function listenWithJsonl(world: CliWorld, path: string) {
    const run = world.spawn(['listen', '--no-tunnel', '--port', '0', '--jsonl', path], { METRIPORT_WEBHOOK_KEY: TEST_KEY });
    const ready = await run.waitFor(READY).then(
      () => true,
      () => false,
    );
    if (ready) run.child.kill('SIGINT');
    return { run, ...(await run.exited) };
  }

  it('never follows a symbolic link, never chmods or writes what it did not create, and says what to do', async () => {
    const world = await worlds.newWorld();
    const target = join(world.cwd, 'notes.txt');
    await writeFile(target, 'the user’s own notes\n', { mode: 0o644 });
    await chmod(target, 0o644);
    await symlink(target, join(world.cwd, 'link.jsonl'));
    const cases: Array<[path: string, said: RegExp]> = [
      ['link.jsonl', /is a symbolic link, and captures are never written through one/],
      ['notes.txt', /can be read or written by other users \(mode 0644\).*chmod 600/],
    ];
    // A device node of its own (root only): without the fix, open + chmod changed the node's mode.
    const device = join(world.cwd, 'device');
    const mknod = spawnSync('mknod', [device, 'c', '1', '3']);
    if (mknod.status === 0) {
      await chmod(device, 0o644);
      cases.push(['device', /is not a regular file/]);
    }
    for (const [path, said] of cases) {
      const { run, code } = await listenWithJsonl(world, path);
      expect({ path, code }).toEqual({ path, code: 6 });
      expect(run.stderr()).toMatch(said);
      expect(run.stderr()).toMatch(/Pass .*--jsonl|chmod 600/);
    }
    expect((await lstat(target)).mode & 0o777).toBe(0o644);
    expect(await readFile(target, 'utf8')).toBe('the user’s own notes\n');
    if (mknod.status === 0) expect((await lstat(device)).mode & 0o777).toBe(0o644);
  });

  it('refuses a named pipe at once instead of waiting for a reader', async () => {
    const world = await worlds.newWorld();
    expect(spawnSync('mkfifo', [join(world.cwd, 'pipe.jsonl')]).status).toBe(0);
    const { run, code } = await listenWithJsonl(world, 'pipe.jsonl');
    expect(code).toBe(6);
    expect(run.stderr()).toMatch(/is not a regular file/);
  });

  it('creates a new file 0600, and appends to an existing one of its own', async () => {
    const world = await worlds.newWorld();
    const file = join(world.cwd, 'messages.jsonl');
    for (let round = 0; round < 2; round += 1) {
      const run = world.spawn(['listen', '--no-tunnel', '--port', '0', '--jsonl', file], { METRIPORT_WEBHOOK_KEY: TEST_KEY });
      const [, url = ''] = await run.waitFor(READY);
      expect((await postSigned(url, messageBody())).status).toBe(200);
      run.child.kill('SIGINT');
      expect((await run.exited).code).toBe(0);
    }
    expect((await lstat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trimEnd().split('\n')).toHaveLength(2);
  });
});

describe('the state folder', () => {
  it('is refused when other users can write to it (they could remove or replace the record), and left as it is', async () => {
    const world = await worlds.newWorld();
    const folder = join(world.env.XDG_STATE_HOME, 'metriport-webhook');
    await mkdir(folder, { recursive: true });
    await chmod(folder, 0o777);
    const api = ['--api-url', 'http://127.0.0.1:9', '--api-key', 'sk_test_state_folder_1234'];
    const restore = world.spawn(['restore', ...api]);
    expect((await restore.exited).code).toBe(6);
    const listen = world.spawn(['listen', '--port', '0', '--public-url', 'https://tunnel.example.com', ...api]);
    expect((await listen.exited).code).toBe(6);
    for (const run of [restore, listen]) {
      expect(run.stderr()).toMatch(/The state folder \S+ is writable by other users \(mode 0777\).*chmod 700/);
      expect(run.stderr()).not.toMatch(/Nothing to restore|Could not reach/);
    }
    expect((await lstat(folder)).mode & 0o777).toBe(0o777);
  });
});
