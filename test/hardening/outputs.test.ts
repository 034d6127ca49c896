import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliWorld, useCliWorlds } from '../helpers/cli-env.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startTargetApp } from '../helpers/servers.js';
import { BIN, cleanEnv, READY } from '../helpers/spawn-cli.js';
import { messageBody, signedHeaders, TEST_KEY } from '../helpers/webhooks.js';

const worlds = useCliWorlds();
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

async function listen(world: CliWorld, args: string[] = []) {
  const run = world.spawn(['listen', '--no-tunnel', '--port', '0', ...args], { METRIPORT_WEBHOOK_KEY: TEST_KEY });
  const [, url] = await run.waitFor(READY);
  return { run, url: url ?? '' };
}

function send(url: string, body: Buffer) {
  return rawRequest({ url, method: 'POST', path: new URL(url).pathname, headers: signedHeaders(body), body });
}

describe('terminal injection', () => {
  it('escapes control sequences from signed payloads on the terminal and stderr, and keeps --json exact', async () => {
    const world = await worlds.newWorld();
    const terminal = await listen(world);
    const osc52 = '\u001b]52;c;ZXZpbA==\u0007';
    const body = Buffer.from(
      JSON.stringify({
        meta: { messageId: `id-\u001b[2J-${Date.now()}`, when: '2026-11-29T00:00:00.000Z', type: `patient.admit${osc52}` },
        payload: { patientId: 'p\u009b31m', 'key\u001b[1m': 'x' },
      }),
    );
    expect((await send(terminal.url, body)).status).toBe(200);
    const ping = Buffer.from(JSON.stringify({ ping: 'p\u001b]0;title\u0007', meta: { type: 'ping' } }));
    expect((await send(terminal.url, ping)).status).toBe(200);
    await terminal.run.waitFor(/ping {2}answered/);
    await terminal.run.waitFor(/patient\.admit/, 'stdout');
    terminal.run.child.kill('SIGINT');
    await terminal.run.exited;
    const shown = terminal.run.stdout() + terminal.run.stderr();
    expect(shown).not.toMatch(RAW_CONTROL);
    expect(shown).toContain('\\x1b]52;c;ZXZpbA==\\x07');
    expect(shown).toContain('p\\x9b31m');

    const json = await listen(world, ['--json']);
    expect((await send(json.url, body)).status).toBe(200);
    await json.run.waitFor(/\n/, 'stdout');
    expect(JSON.parse(json.run.stdout()).payload).toEqual(JSON.parse(body.toString()));
  });

  it('escapes and redacts what an API answers (status detail, URL) before it reaches the terminal', async () => {
    const world = await worlds.newWorld();
    const webhookKey = 'whk_echoed_by_the_api_123456';
    const api = createServer((request: IncomingMessage, response: ServerResponse) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      if (request.url === '/settings')
        response.end(JSON.stringify({ id: 'a', webhookUrl: 'https://x.example.com/\u001b[2Jhook', webhookKey, mrFilters: null }));
      else
        response.end(
          JSON.stringify({
            webhookEnabled: false,
            webhookStatusDetail: `failed with key ${webhookKey} \u001b]52;c;eA==\u0007`,
            webhookRequestsProcessing: 0,
            webhookRequestsFailed: 1,
          }),
        );
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    worlds.onCleanup(() => new Promise((resolve) => api.close(resolve)));
    const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    for (const args of [['status'], ['status', '--json']]) {
      const status = world.spawn([...args, '--api-url', apiUrl], { METRIPORT_API_KEY: 'sk_test_status_key_987654' });
      expect((await status.exited).code).toBe(0);
      const shown = status.stdout() + status.stderr();
      expect(shown).not.toContain(webhookKey);
      if (args.length === 1) {
        expect(shown).not.toMatch(RAW_CONTROL);
        expect(shown).toContain('\\x1b[2Jhook');
      }
    }
  });
});

describe('--jsonl after a failed write', () => {
  it('is cut back to its last whole line, and an output that already has a message does not get it twice on the retry', async () => {
    const world = await worlds.newWorld();
    const out = join(world.cwd, 'out');
    const jsonl = join(world.cwd, 'messages.jsonl');
    // A file-size limit makes the append fail part-way (EFBIG), as a full disk does (ENOSPC).
    const command = `trap '' XFSZ; exec prlimit --fsize=3000 ${process.execPath} ${BIN} listen --no-tunnel --port 0 --out ${out} --jsonl ${jsonl}`;
    const child = spawn('sh', ['-c', command], {
      cwd: world.cwd,
      env: cleanEnv({ ...world.env, METRIPORT_WEBHOOK_KEY: TEST_KEY }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const ready = new Promise<string>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = READY.exec(stderr);
        if (match) resolve(match[1] ?? '');
      });
    });
    worlds.onCleanup(() => void child.kill('SIGKILL'));
    const url = await ready;

    const first = messageBody('patient.admit');
    expect((await send(url, first)).status).toBe(200);
    const big = messageBody('medical.document-download', { padding: 'x'.repeat(2500) });
    expect((await send(url, big)).status).toBe(500);
    const afterFailure = await readFile(jsonl, 'utf8');
    expect(afterFailure.endsWith('\n')).toBe(true);
    expect(
      afterFailure
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).type),
    ).toEqual(['patient.admit']);

    // Metriport's retry of the failed one: --out already has it, --jsonl still cannot take it.
    expect((await send(url, big)).status).toBe(500);
    expect((await readdir(out)).filter((name) => !name.startsWith('.'))).toHaveLength(2);
    const small = messageBody('patient.discharge');
    expect((await send(url, small)).status).toBe(200);
    const lines = (await readFile(jsonl, 'utf8')).trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line).type)).toEqual(['patient.admit', 'patient.discharge']);
    expect((await readdir(out)).filter((name) => !name.startsWith('.'))).toHaveLength(3);
  });
});

describe('nothing a sender sends causes a 5xx', () => {
  it('--full shows a signed payload nested 100,000 deep instead of failing it with 500', async () => {
    const world = await worlds.newWorld();
    const { run, url } = await listen(world, ['--full']);
    const depth = 100_000;
    const body = Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    expect((await send(url, body)).status).toBe(200);
    await run.waitFor(/unknown/, 'stdout');
    expect(run.stderr()).not.toMatch(/Answered 500/);
  });

  it('an app answering a status outside HTTP (799) gives Metriport a 502, not the nonsense', async () => {
    const world = await worlds.newWorld();
    const app = await startTargetApp(() => ({ status: 799 }));
    worlds.onCleanup(() => app.close());
    const { url } = await listen(world, ['--forward-to', app.url]);
    expect((await send(url, messageBody())).status).toBe(502);
  });
});

describe('small things that used to go wrong', () => {
  it('a .env that starts with a byte-order mark keeps its first variable', async () => {
    const world = await worlds.newWorld();
    await writeFile(join(world.cwd, '.env'), `\uFEFFMETRIPORT_WEBHOOK_KEY=${TEST_KEY}\n`);
    const run = world.spawn(['listen', '--no-tunnel', '--port', '0']);
    const [, url] = await run.waitFor(READY);
    expect((await send(url ?? '', messageBody())).status).toBe(200);
  });

  it('replay skips a folder named like a capture instead of stopping at it', async () => {
    const world = await worlds.newWorld();
    const { run, url } = await listen(world, ['--out', 'captures']);
    expect((await send(url, messageBody('patient.admit'))).status).toBe(200);
    await mkdir(join(world.cwd, 'captures', 'zz-not-a-capture.json'));
    const replay = world.spawn(['replay', 'captures', '--to', url, '--webhook-key', TEST_KEY]);
    expect((await replay.exited).code).toBe(0);
    expect(replay.stderr()).toMatch(/Replayed 1 message\(s\)/);
    run.child.kill('SIGINT');
  });

  it('the emulator says when it is bound beyond this machine, and not for another loopback address (as listen)', async () => {
    const world = await worlds.newWorld();
    const emulator = world.spawn(['emulator', '--host', '0.0.0.0', '--port', '0']);
    await emulator.waitFor(/Emulator ready/);
    expect(emulator.stderr()).toMatch(/--host 0\.0\.0\.0 exposes the emulator beyond this machine/);
    // 127.0.0.0/8 is loopback: nothing is sent to it, it is only bound.
    const loopback = world.spawn(['emulator', '--host', '127.0.0.2', '--port', '0']);
    await loopback.waitFor(/Emulator ready/);
    expect(loopback.stderr()).not.toMatch(/exposes/);
  });
});
