import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emulatorApi, spawnEmulator, spawnListenBehindTunnel, useCliWorlds } from '../helpers/cli-env.js';
import { rawRequest } from '../helpers/raw-http.js';
import { refusingUrl } from '../helpers/servers.js';
import { READY } from '../helpers/spawn-cli.js';
import { messageBody, signedHeaders, TEST_KEY } from '../helpers/webhooks.js';

const worlds = useCliWorlds();

/**
 * Sends unique signed messages from `workers` loops until `stop()`; records every body that got a 2xx.
 * Connection errors (the listener going away) end a loop quietly.
 */
function loadUntilStopped(input: { url: string; key: string; workers: number; prefix: string }) {
  const acknowledged = new Map<string, Buffer>();
  const sent = new Map<string, Buffer>();
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let stopped = false;
  let counter = 0;
  const loops = Array.from({ length: input.workers }, async () => {
    while (!stopped) {
      counter += 1;
      const id = `${input.prefix}-${counter}`;
      const body = messageBody('medical.consolidated-data', { padding: 'p'.repeat(1500) }, id);
      sent.set(id, body);
      try {
        const answer = await rawRequest({
          url: input.url,
          method: 'POST',
          path: new URL(input.url).pathname,
          headers: signedHeaders(body, input.key),
          body,
        });
        if (answer.status >= 200 && answer.status < 300) acknowledged.set(id, body);
      } catch {
        return;
      }
      for (const waiter of waiters.filter((w) => acknowledged.size >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  return {
    acknowledged,
    sent,
    reached: (count: number) => new Promise<void>((resolve) => (acknowledged.size >= count ? resolve() : waiters.push({ count, resolve }))),
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
    finished: () => Promise.all(loops),
  };
}

async function checkCaptures(out: string, load: ReturnType<typeof loadUntilStopped>) {
  const names = await readdir(out);
  const visible = names.filter((name) => !name.startsWith('.'));
  for (const [id, body] of load.acknowledged) {
    const file = visible.find((name) => name.endsWith(`_${id}.json`));
    expect(file, `acknowledged ${id} is on disk`).toBeDefined();
    expect(await readFile(join(out, file ?? ''))).toEqual(body);
  }
  // Nothing a reader would take for a message is partial: every visible file is one whole message sent.
  for (const name of visible) {
    const id = name
      .split('_')
      .slice(3)
      .join('_')
      .replace(/\.json$/, '');
    expect(await readFile(join(out, name))).toEqual(load.sent.get(id));
  }
  return { visible, hidden: names.filter((name) => name.startsWith('.')) };
}

describe('crash durability', () => {
  it('after kill -9 under load, every acknowledged message is on disk whole, and the next start works in the same folder', async () => {
    const world = await worlds.newWorld();
    const out = join(world.cwd, 'out');
    const jsonl = join(world.cwd, 'messages.jsonl');
    const listen = world.spawn(['listen', '--no-tunnel', '--port', '0', '--out', out, '--jsonl', jsonl, '--json'], {
      METRIPORT_WEBHOOK_KEY: TEST_KEY,
    });
    const [, url] = await listen.waitFor(READY);
    const load = loadUntilStopped({ url: url ?? '', key: TEST_KEY, workers: 16, prefix: 'crash' });
    await load.reached(300);
    listen.child.kill('SIGKILL');
    await listen.exited;
    await load.stop();

    const { visible } = await checkCaptures(out, load);
    expect(visible.length).toBeGreaterThanOrEqual(load.acknowledged.size);
    const lines = (await readFile(jsonl, 'utf8')).split('\n').filter(Boolean);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    const logged = new Set(lines.map((line) => JSON.parse(line).messageId as string));
    for (const id of load.acknowledged.keys()) expect(logged.has(id)).toBe(true);

    const again = world.spawn(['listen', '--no-tunnel', '--port', '0', '--out', out, '--json'], { METRIPORT_WEBHOOK_KEY: TEST_KEY });
    const [, secondUrl] = await again.waitFor(READY);
    expect((await readdir(out)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    const [firstId, firstBody] = [...load.acknowledged][0] ?? ['', Buffer.alloc(0)];
    const repeat = await rawRequest({
      url: secondUrl ?? '',
      method: 'POST',
      path: '/webhook',
      headers: signedHeaders(firstBody),
      body: firstBody,
    });
    expect(repeat.status).toBe(200);
    await again.waitFor(new RegExp(`duplicate .*${firstId}`));
    const fresh = messageBody('patient.admit');
    expect(
      (await rawRequest({ url: secondUrl ?? '', method: 'POST', path: '/webhook', headers: signedHeaders(fresh), body: fresh })).status,
    ).toBe(200);
  });
});

describe('shutdown under load', () => {
  it('finishes requests in flight, loses nothing acknowledged, and restores the URL', async () => {
    const world = await worlds.newWorld();
    const emulator = await spawnEmulator(world);
    const previous = await refusingUrl();
    await emulatorApi(emulator.url, 'POST', '/settings', { webhookUrl: previous });
    const out = join(world.cwd, 'out');
    const { run: listen, url } = await spawnListenBehindTunnel(world, {
      apiUrl: emulator.url,
      args: ['--out', out, '--json'],
      onCleanup: worlds.onCleanup,
    });
    const key = (await emulatorApi(emulator.url, 'GET', '/settings')).json.webhookKey as string;
    const load = loadUntilStopped({ url: url ?? '', key, workers: 16, prefix: 'shutdown' });
    await load.reached(200);
    listen.child.kill('SIGINT');
    expect((await listen.exited).code).toBe(0);
    await load.finished();

    await checkCaptures(out, load);
    expect(listen.stderr()).toContain(`Restored the webhook URL to ${previous}.`);
    expect((await emulatorApi(emulator.url, 'GET', '/settings')).json.webhookUrl).toBe(previous);
    const stored = Number(/stored (\d+)\./.exec(listen.stderr())?.[1]);
    expect(stored).toBeGreaterThanOrEqual(load.acknowledged.size);
  });
});
