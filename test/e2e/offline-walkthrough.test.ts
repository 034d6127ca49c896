import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useCliWorlds } from '../helpers/cli-env.js';
import { cleanEnv, READY } from '../helpers/spawn-cli.js';

// Issue #26: the README's "whole integration, offline" walkthrough, run as written: its listen command (with
// the ports this test got instead of 3000 and 4748) and its app, examples/offline-integration.mjs, which the
// README shows whole.
const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const EXAMPLE = join(ROOT, 'examples', 'offline-integration.mjs');
const worlds = useCliWorlds();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the offline integration walkthrough', () => {
  it("runs as written: the SDK app's flows end in verified webhooks at its own endpoint, through listen --emulator --forward-to", async () => {
    const world = await worlds.newWorld();
    const appPort = await freePort();
    const listen = world.spawn([
      'listen',
      '--emulator',
      '--webhook-key',
      'dev-key',
      '--forward-to',
      `http://127.0.0.1:${appPort}/webhook`,
      '--port',
      '0',
      '--no-inspect',
    ]);
    const [, apiUrl = ''] = await listen.waitFor(/Emulator API: (http:\/\/\S+)/);
    await listen.waitFor(READY);

    const app = spawn(process.execPath, [EXAMPLE], {
      cwd: world.cwd,
      env: cleanEnv({ ...world.env, METRIPORT_API_URL: apiUrl, PORT: String(appPort) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worlds.onCleanup(() => void (app.exitCode === null && app.kill('SIGKILL')));
    let stdout = '';
    let stderr = '';
    app.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    app.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => app.on('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const lines = stdout.trim().split('\n').sort();
    expect(lines).toEqual([
      expect.stringMatching(/^medical\.consolidated-data: completed \(request \S+\)$/),
      expect.stringMatching(/^medical\.document-conversion: completed \(request \S+\)$/),
      expect.stringMatching(/^medical\.document-download: completed \(request \S+\)$/),
    ]);
    // The app verified each message itself (it answers 401 otherwise): listen saw its 200s.
    listen.child.kill('SIGINT');
    expect((await listen.exited).code).toBe(0);
    expect(listen.stderr()).not.toMatch(/forwarded .* 401/);
  });

  it('the README shows the example whole, and the command that goes with it', async () => {
    const [readme, example] = await Promise.all([readFile(join(ROOT, 'README.md'), 'utf8'), readFile(EXAMPLE, 'utf8')]);
    expect(readme).toContain(`\`\`\`js\n${example}\`\`\``);
    expect(readme).toContain('listen --emulator --webhook-key dev-key --forward-to http://127.0.0.1:3000/webhook');
  });
});
