import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { emulatorApi, spawnEmulator, spawnListenBehindTunnel, useCliWorlds } from '../helpers/cli-env.js';
import { refusingUrl } from '../helpers/servers.js';

// Issue #24 item 9: a stop while listen's health read hung waited out the read's three attempts before
// restoring. Every call a stop waits on is given up by it: the restore goes out while the health read still
// hangs, which the API sees as that read's connection closed by the client. (No clock: the order is the proof.)
const worlds = useCliWorlds();

/** A proxy in front of the API that passes everything on but leaves `GET /settings/webhook` unanswered. */
async function apiWithHangingHealth(target: string) {
  const seen: string[] = [];
  let hungResolve: (() => void) | undefined;
  const hung = new Promise<void>((resolve) => (hungResolve = resolve));
  let abandonedResolve: (() => void) | undefined;
  const abandoned = new Promise<void>((resolve) => (abandonedResolve = resolve));
  const server = createServer((incoming: IncomingMessage, answer: ServerResponse) => {
    const route = `${incoming.method} ${new URL(incoming.url ?? '/', 'http://x').pathname}`;
    seen.push(route);
    if (route === 'GET /settings/webhook') {
      incoming.resume();
      answer.on('close', () => {
        seen.push('health read given up');
        abandonedResolve?.();
      });
      hungResolve?.();
      return;
    }
    const upstream = httpRequest(`${target}${incoming.url}`, { method: incoming.method, headers: incoming.headers }, (response) => {
      answer.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(answer);
    });
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  worlds.onCleanup(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, hung, abandoned };
}

describe('a stop gives up what it waits on', () => {
  it('Ctrl-C while the health read hangs: the read is abandoned and the URL restored at once', async () => {
    const world = await worlds.newWorld();
    const emulator = await spawnEmulator(world);
    const previousUrl = await refusingUrl();
    await emulatorApi(emulator.url, 'POST', '/settings', { webhookUrl: previousUrl });
    const api = await apiWithHangingHealth(emulator.url);

    const listen = await spawnListenBehindTunnel(world, { apiUrl: api.url, onCleanup: worlds.onCleanup });
    await api.hung;
    listen.run.child.kill('SIGINT');
    expect((await listen.run.exited).code).toBe(0);
    expect(listen.run.stderr()).toContain(`Restored the webhook URL to ${previousUrl}.`);
    expect((await emulatorApi(emulator.url, 'GET', '/settings')).json.webhookUrl).toBe(previousUrl);
    await api.abandoned;
    // One health read, given up by the stop; no second attempt; then the restore.
    const afterHealth = api.seen.slice(api.seen.indexOf('GET /settings/webhook'));
    expect(afterHealth.filter((route) => route === 'GET /settings/webhook')).toHaveLength(1);
    expect(afterHealth).toContain('POST /settings');
  });
});
