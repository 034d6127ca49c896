import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReceiverLimits } from '../../src/receiver/receiver-server.js';
import { emulatorApi, spawnEmulator, spawnListenBehindTunnel, TEST_API_KEY, useCliWorlds } from '../helpers/cli-env.js';
import { startTestReceiver } from '../helpers/receiver-server.js';
import { BIN, cleanEnv } from '../helpers/spawn-cli.js';
import { messageBody, postSigned, signedHeaders } from '../helpers/webhooks.js';

const worlds = useCliWorlds();
const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Opens a raw connection and sends the head of a POST that announces `length` bytes, then `initial` of them. */
function openSlowPost(url: string, input: { length: number; initial?: string; headers?: Record<string, string> }): Promise<Socket> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      const headers = Object.entries({ 'content-type': 'application/json', ...input.headers, 'content-length': String(input.length) })
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.write(`POST ${pathname} HTTP/1.1\r\nhost: x\r\n${headers}\r\n${input.initial ?? ''}`);
      resolve(socket);
    });
    socket.on('error', () => undefined);
  });
}

function closed(socket: Socket): Promise<string> {
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  return new Promise((resolve) => socket.once('close', () => resolve(received)));
}

async function receiverServer(input: { maxBodyBytes: number; limits?: Partial<ReceiverLimits> }) {
  return (await startTestReceiver({ onCleanup: (cleanup) => cleanups.push(cleanup), ...input })).server;
}

describe('a slow sender', () => {
  it('cannot hold shutdown: the URL comes back and complete requests are still answered and stored', async () => {
    const world = await worlds.newWorld();
    const emulator = await spawnEmulator(world);
    const original = 'https://my-app.example.com/webhook';
    await emulatorApi(emulator.url, 'POST', '/settings', { webhookUrl: original });
    const out = join(world.cwd, 'out');
    const listener = await spawnListenBehindTunnel(world, {
      apiUrl: emulator.url,
      args: ['--out', out, '--json'],
      onCleanup: worlds.onCleanup,
    });
    const key = (await emulatorApi(emulator.url, 'GET', '/settings')).json.webhookKey as string;

    // Announces 1 MB and sends a byte every 200 ms: before the fix, shutdown waited for it with no deadline.
    const slow = await openSlowPost(listener.url, {
      length: 1_000_000,
      initial: '{',
      headers: { 'x-metriport-signature': '0'.repeat(64) },
    });
    const trickle = setInterval(() => slow.write(' '), 200);
    cleanups.push(() => clearInterval(trickle));
    const slowClosed = closed(slow);
    // A complete request arriving just before the stop is still answered and stored.
    const body = messageBody('patient.admit');
    const complete = await postSigned(listener.url, body, key);
    expect(complete.status).toBe(200);

    listener.run.child.kill('SIGTERM');
    expect((await listener.run.exited).code).toBe(0);
    await slowClosed;
    expect((await emulatorApi(emulator.url, 'GET', '/settings')).json.webhookUrl).toBe(original);
    expect((await readdir(out)).filter((name) => name.includes('patient.admit'))).toHaveLength(1);
  });

  it('is cut off in normal running too: headers and requests have deadlines', async () => {
    const server = await receiverServer({ maxBodyBytes: 1024 * 1024, limits: { headersTimeoutMs: 300, requestTimeoutMs: 600 } });
    const { port } = new URL(server.url);
    const partialHeaders = connect({ host: '127.0.0.1', port: Number(port) }, () =>
      partialHeaders.write('POST /webhook HTTP/1.1\r\nhost: x\r\n'),
    );
    const slowBody = await openSlowPost(server.url, { length: 1000, initial: '{', headers: signedHeaders('{}') });
    const [headerAnswer, bodyAnswer] = await Promise.all([closed(partialHeaders), closed(slowBody)]);
    expect(headerAnswer).toMatch(/^(HTTP\/1\.1 408|$)/);
    expect(bodyAnswer).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
  });
});

describe('memory held for unverified bodies', () => {
  it('is bounded by the bytes that arrived: past the bound a body that cannot fit gets 503 before it is read, and a signed ping is still answered', async () => {
    const maxBodyBytes = 1024 * 1024;
    const server = await receiverServer({ maxBodyBytes });
    // The bound for a 1 MB --max-body is 32 MB: 32 bodies of which all but the last byte arrived fill it.
    const hogs = await Promise.all(
      Array.from({ length: 32 }, () =>
        openSlowPost(server.url, {
          length: maxBodyBytes,
          initial: `{${' '.repeat(maxBodyBytes - 2)}`,
          headers: { 'x-metriport-signature': '0'.repeat(64) },
        }),
      ),
    );
    for (const hog of hogs) cleanups.push(() => void hog.destroy());
    // Once the bytes they sent are all held, a new 1 MB body cannot fit: it is refused as soon as its head is
    // read. Probed until then (each probe's answer, if any, comes before two ping round trips after it).
    const probe = async () => {
      const socket = await openSlowPost(server.url, {
        length: maxBodyBytes,
        initial: '{',
        headers: { 'x-metriport-signature': '0'.repeat(64) },
      });
      const firstAnswer = new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))));
      const roundTrips = async () => {
        for (let trip = 0; trip < 2; trip += 1) await postSigned(server.url, Buffer.from('{"ping":"p","meta":{"type":"ping"}}'));
        return '';
      };
      const answer = await Promise.race([firstAnswer, roundTrips()]);
      socket.destroy();
      return answer;
    };
    await expect.poll(probe, { timeout: 10_000 }).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n[\s\S]*retry-after: 1/i);

    const ping = Buffer.from('{"ping":"still-here","meta":{"messageId":"m","when":"2026-11-29T00:00:00.000Z","type":"ping"}}');
    const answer = await postSigned(server.url, ping);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ pong: 'still-here' });
  });

  // The third attack round: sockets that announce bodies and send nothing held the budget for the whole 60 s
  // request bound (renewable): 2 of them made every message over 64 KB answer 503, 277 made the ping answer 503.
  it('is not held by sockets that announce bodies and send nothing: messages of every size and the ping are answered', async () => {
    const server = await receiverServer({ maxBodyBytes: 64 * 1024 * 1024 });
    const fake = { 'x-metriport-signature': 'f'.repeat(64) };
    const idle = await Promise.all([
      ...Array.from({ length: 2 }, () => openSlowPost(server.url, { length: 64 * 1024 * 1024, headers: fake })),
      ...Array.from({ length: 277 }, () => openSlowPost(server.url, { length: 60 * 1024, headers: fake })),
    ]);
    for (const socket of idle) cleanups.push(() => void socket.destroy());
    // A round trip after them: by its answer the server has read all their heads.
    await postSigned(server.url, Buffer.from('{"ping":"p","meta":{"type":"ping"}}'));

    const big = messageBody('medical.document-download', { padding: 'x'.repeat(200 * 1024) });
    expect((await postSigned(server.url, big)).status).toBe(200);
    const ping = await postSigned(server.url, Buffer.from('{"ping":"still-here","meta":{"type":"ping"}}'));
    expect([ping.status, ping.text]).toEqual([200, '{"pong":"still-here"}']);
  });

  it('refuses a body that stops arriving with 408 and closes its connection, long before the request bound', async () => {
    const server = await receiverServer({ maxBodyBytes: 1024 * 1024, limits: { bodyIdleTimeoutMs: 200, requestTimeoutMs: 60_000 } });
    const fake = { 'x-metriport-signature': 'f'.repeat(64) };
    const neverStarted = await openSlowPost(server.url, { length: 1000, headers: fake });
    const stoppedHalfWay = await openSlowPost(server.url, { length: 1000, initial: '{"meta":', headers: fake });
    expect(await closed(neverStarted)).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*connection: close/i);
    expect(await closed(stoppedHalfWay)).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it('counts chunked bodies as they arrive: past the bound the sender gets 503, and the bytes come back', async () => {
    const server = await receiverServer({ maxBodyBytes: 1024 * 1024, limits: { unverifiedBytes: 64 * 1024 } });
    const { hostname, port } = new URL(server.url);
    // 16 KB chunks and then the end: the bound is passed on the way, never announced.
    const chunkedPost = (bytes: number): Promise<string> => {
      const socket = connect({ host: hostname, port: Number(port) }, () => {
        socket.write(`POST /webhook HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\nx-metriport-signature: ${'0'.repeat(64)}\r\n\r\n`);
        for (let sent = 0; sent < bytes; sent += 16 * 1024) socket.write(`4000\r\n${' '.repeat(16 * 1024)}\r\n`);
        socket.end('0\r\n\r\n');
      });
      socket.on('error', () => undefined);
      return closed(socket);
    };
    const refused = await chunkedPost(128 * 1024);
    expect(refused).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(refused).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(refused).toMatch(/\r\nconnection: close\r\n/i);
    // What the refused request held was given back: a body under the bound is read and verified (401: wrong signature).
    expect(await chunkedPost(32 * 1024)).toMatch(/^HTTP\/1\.1 401 /);
  });

  it('a POST with no credential at all is refused 401 before its body is read, whatever it announces', async () => {
    const server = await receiverServer({ maxBodyBytes: 64 * 1024 * 1024 });
    const unauthenticated = await openSlowPost(server.url, { length: 64 * 1024 * 1024, initial: '{' });
    expect(await closed(unauthenticated)).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n[\s\S]*content-length: 0/i);
  });
});

describe('Ctrl-C on a real terminal', () => {
  it('stops listen while the registration spinner runs against an API that never answers, and never says Ready', async () => {
    const world = await worlds.newWorld();
    // An API that accepts connections and never answers: the registration spinner spins.
    const hanging = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      hanging.close();
    });
    const apiUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
    const command = `stty cols 100 rows 30; exec ${process.execPath} ${BIN} listen --port 0 --public-url https://tunnel.example.com --api-url ${apiUrl}`;
    const terminal = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: world.cwd,
      env: cleanEnv({ ...world.env, METRIPORT_API_KEY: TEST_API_KEY, TERM: 'xterm-256color' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    cleanups.push(() => void terminal.kill('SIGKILL'));
    let screen = '';
    const seen = (pattern: RegExp) =>
      new Promise<void>((resolve) => {
        const check = () => (pattern.test(screen) ? resolve() : undefined);
        terminal.stdout.on('data', (chunk: Buffer) => {
          screen += chunk.toString();
          check();
        });
        check();
      });
    const exited = new Promise<number | null>((resolve) => terminal.on('close', (code) => resolve(code)));
    await seen(/Registering the webhook URL with Metriport/);
    // The byte a person's Ctrl-C sends, through the pseudo-terminal's line discipline.
    terminal.stdin.write('\u0003');
    expect(await exited).toBe(0);
    expect(screen).toMatch(/SIGINT: stopping/);
    expect(screen).not.toMatch(/Ready: listening/);
  });
});
