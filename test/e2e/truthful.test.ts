import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_INSPECTOR_PORT } from '../../src/config/defaults.js';
import { useCliWorlds } from '../helpers/cli-env.js';
import { startTargetApp } from '../helpers/servers.js';

// Issue #27 item 4: lines that say what is true.
const worlds = useCliWorlds();

describe('what the commands say is what happened', () => {
  it('trigger against an app that is running but slow says it did not answer in time, not that nothing listens', async () => {
    const world = await worlds.newWorld();
    const app = await startTargetApp(() => ({ status: 200, delayMs: 6000 }));
    worlds.onCleanup(() => app.close());
    const run = world.spawn(['trigger', 'patient.admit', '--to', `${app.url}/webhook`, '--webhook-key', 'k']);
    expect((await run.exited).code).toBe(1);
    expect(run.stderr()).toContain(`${app.url}/webhook took patient.admit and did not answer within 5 s`);
    expect(run.stderr()).not.toMatch(/Is .*running there|Pass --to/);
  });

  it('trigger --to where nothing listens does not tell the user to pass --to', async () => {
    const world = await worlds.newWorld();
    const run = world.spawn(['trigger', 'patient.admit', '--to', 'http://127.0.0.1:9/webhook', '--webhook-key', 'k']);
    expect((await run.exited).code).toBe(1);
    expect(run.stderr()).toContain('Is your app or a listener running there?');
    expect(run.stderr()).not.toContain('Pass --to');
  });

  it('inspect says so when its default port is taken and it uses another', async () => {
    const world = await worlds.newWorld();
    // The default port is taken: by this server, or already by something else on the machine.
    const holder: Server = createServer();
    await new Promise<void>((resolve) => {
      holder.once('error', () => resolve());
      holder.listen(DEFAULT_INSPECTOR_PORT, '127.0.0.1', () => resolve());
    });
    worlds.onCleanup(() => new Promise((resolve) => (holder.listening ? holder.close(resolve) : resolve(undefined))));
    const captures = join(world.cwd, 'captures');
    await mkdir(captures);
    const body = { meta: { messageId: 'm-1', when: '2026-11-28T10:11:12.345Z', type: 'patient.admit' }, payload: {} };
    await writeFile(join(captures, '20261128T101112345Z_000001_patient.admit_m-1.json'), JSON.stringify(body));
    const run = world.spawn(['inspect', captures]);
    await run.waitFor(/Inspector: http/);
    expect(run.stderr()).toContain(`Port ${DEFAULT_INSPECTOR_PORT} is taken, so the inspector uses another (--port to choose).`);
    expect(run.stderr()).not.toContain(`:${DEFAULT_INSPECTOR_PORT}/`);
    run.child.kill('SIGINT');
    await run.exited;
  });
});
