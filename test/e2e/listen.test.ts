import { readFile, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { captureFiles } from '../helpers/servers.js';
import { tempDir } from '../helpers/session.js';
import { type CliRun, READY, runCli, spawnCli } from '../helpers/spawn-cli.js';
import { messageBody, post, postSigned, signedHeaders, TEST_KEY } from '../helpers/webhooks.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function workDir(): Promise<string> {
  const dir = await tempDir();
  cleanups.push(dir.remove);
  return dir.path;
}

async function listen(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ run: CliRun; url: string }> {
  const run = spawnCli(['listen', '--no-tunnel', '--port', '0', ...args], { cwd, env: { METRIPORT_WEBHOOK_KEY: TEST_KEY, ...env } });
  cleanups.push(() => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
  });
  const [, url] = await run.waitFor(READY);
  return { run, url: url ?? '' };
}

function expectNoSecret(...outputs: string[]) {
  for (const output of outputs) expect(output).not.toContain(TEST_KEY);
}

describe('metriport-webhook (spawned)', () => {
  it('prints its version and help with examples', async () => {
    const cwd = await workDir();
    const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const version = await runCli(['--version'], { cwd });
    expect(version).toMatchObject({ code: 0, stdout: `${manifest.version}\n` });
    const help = await runCli(['--help'], { cwd });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/listen/);
    expect(help.stdout).toMatch(/Examples:/);
    const listenHelp = await runCli(['listen', '--help'], { cwd });
    expect(listenHelp.stdout).toMatch(/Examples:\n {2}\$ metriport-webhook listen/);
    expect(listenHelp.stdout).toContain('--max-body');
    // The bin answers these from text rendered at build time: it must be exactly what commander prints.
    const snapshot = (name: string) => readFile(new URL(`../unit/__snapshots__/help-${name}.txt`, import.meta.url), 'utf8');
    expect(help.stdout).toBe(await snapshot('main'));
    expect(listenHelp.stdout).toBe(await snapshot('listen'));
    expect((await runCli(['trigger', '-h'], { cwd })).stdout).toBe(await snapshot('trigger'));
  });

  it.each([
    [['listen', '--bogus'], /unknown option '--bogus'/],
    [['listen', '--no-tunnel'], /No webhook key.*--webhook-key <key> or set METRIPORT_WEBHOOK_KEY/],
    [['listen', '--no-tunnel', '--webhook-key', 'k', '--port', 'abc'], /--port "abc" is not a port number\. Pass a number/],
    [['listen', '--no-tunnel', '--webhook-key', 'k', '--max-body', 'huge'], /--max-body "huge" is not a size/],
  ])('exits 2 on the usage error %j with a next step and no stack trace', async (args, message) => {
    const result = await runCli(args, { cwd: await workDir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  });

  it('says which port is taken, with exit 2', async () => {
    const cwd = await workDir();
    const first = await listen([], cwd);
    const port = new URL(first.url).port;
    const second = await runCli(['listen', '--no-tunnel', '--port', port], { cwd, env: { METRIPORT_WEBHOOK_KEY: TEST_KEY } });
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/EADDRINUSE.*pick another with --port/);
  });

  it('shows verified messages on stdout, refusals on stderr, stores files, and stops cleanly on SIGINT', async () => {
    const cwd = await workDir();
    const out = join(cwd, 'captures');
    const { run, url } = await listen(['--out', out], cwd);
    const body = messageBody('medical.document-download');
    const messageId = JSON.parse(body.toString()).meta.messageId as string;

    expect((await postSigned(url, body)).status).toBe(200);
    expect((await post(url, messageBody(), { 'x-metriport-signature': '0'.repeat(64) })).status).toBe(401);
    expect((await postSigned(url, body)).status).toBe(200);
    await run.waitFor(/duplicate/);

    run.child.kill('SIGINT');
    expect((await run.exited).code).toBe(0);
    expect(run.stdout()).toMatch(new RegExp(`medical\\.document-download  ${messageId.slice(0, 8)}  patient p-1 completed`));
    expect(run.stdout()).toContain('"patientId": "p-1"');
    expect(run.stdout()).not.toContain('\u001b[');
    expect(run.stderr()).toMatch(/refused 401 {2}x-metriport-signature does not match the body/);
    expect(run.stderr()).toMatch(/Stopped\. Received 3, verified 2, rejected 1, duplicates 1, filtered 0, stored 1\./);
    const files = await captureFiles(out);
    expect(files).toHaveLength(1);
    expect(files[0]).toContain(messageId);
    expect(await readFile(join(out, files[0] ?? ''))).toEqual(body);
    expect((await stat(join(out, files[0] ?? ''))).mode & 0o777).toBe(0o600);
    expectNoSecret(run.stdout(), run.stderr());
  });

  it('keeps stdout to JSON lines with --json and writes --jsonl', async () => {
    const cwd = await workDir();
    const jsonl = join(cwd, 'messages.jsonl');
    const { run, url } = await listen(['--json', '--jsonl', jsonl], cwd);
    const bodies = [messageBody('patient.admit'), messageBody('devices.health-data'), messageBody('brand.new-type')];
    for (const body of bodies) expect((await postSigned(url, body)).status).toBe(200);
    const ping = Buffer.from('{"ping":"abc","meta":{"type":"ping"}}');
    expect(JSON.parse((await postSigned(url, ping)).text)).toEqual({ pong: 'abc' });
    await run.waitFor(/brand\.new-type/, 'stdout');
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);

    const lines = run.stdout().trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.map((line) => line.type)).toEqual(['patient.admit', 'devices.health-data', 'brand.new-type']);
    for (const line of parsed) {
      expect(Object.keys(line)).toEqual(['receivedAt', 'type', 'messageId', 'verifiedBy', 'payload']);
      expect(line.verifiedBy).toBe('signature');
    }
    expect(parsed[0]?.payload).toEqual(JSON.parse(bodies[0]?.toString() ?? ''));
    expect(
      (await readFile(jsonl, 'utf8'))
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).messageId),
    ).toEqual(parsed.map((line) => line.messageId));
    expect(run.stderr()).toMatch(READY);
    expect(run.stderr()).toContain('ping  answered {"pong":"abc"}');
  });

  it('reads the webhook key from a .env file in the working directory', async () => {
    const cwd = await workDir();
    await writeFile(join(cwd, '.env'), `METRIPORT_WEBHOOK_KEY=${TEST_KEY}\n`);
    const run = spawnCli(['listen', '--no-tunnel', '--port', '0'], { cwd });
    cleanups.push(() => void run.child.kill('SIGKILL'));
    const [, url] = await run.waitFor(READY);
    expect((await postSigned(url ?? '', messageBody())).status).toBe(200);
  });

  it('lets a request in flight finish after SIGINT, and a second SIGINT exits at once', async () => {
    const cwd = await workDir();
    const out = join(cwd, 'out');
    const { run, url } = await listen(['--out', out], cwd);
    const { port } = new URL(url);
    const body = messageBody('patient.discharge');
    // `expect: 100-continue` makes the server say when it has read the headers, so the request is surely in flight.
    const head = Object.entries({
      ...signedHeaders(body),
      'content-length': String(body.length),
      host: `127.0.0.1:${port}`,
      expect: '100-continue',
    })
      .map(([name, value]) => `${name}: ${value}`)
      .join('\r\n');
    const socket = connect(Number(port), '127.0.0.1');
    cleanups.push(() => void socket.destroy());
    let response = '';
    socket.on('data', (chunk) => {
      response += chunk.toString();
    });
    const closed = new Promise((resolve) => socket.on('close', resolve));
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`POST /webhook HTTP/1.1\r\n${head}\r\n\r\n`);
    await new Promise<void>((resolve) => {
      const check = () => {
        if (!response.includes('100 Continue')) return;
        socket.off('data', check);
        resolve();
      };
      socket.on('data', check);
    });
    socket.write(body.subarray(0, 10));

    run.child.kill('SIGINT');
    await run.waitFor(/stopping; letting requests in flight finish/);
    // No half-close here: Node drops a request whose client sends FIN before the answer is written.
    socket.write(body.subarray(10));
    await closed;
    expect(response).toMatch(/HTTP\/1\.1 200 OK/);
    expect((await run.exited).code).toBe(0);
    expect(await captureFiles(out)).toHaveLength(1);

    const second = await listen([], cwd);
    const stuck = connect(Number(new URL(second.url).port), '127.0.0.1');
    cleanups.push(() => void stuck.destroy());
    await new Promise((resolve) => stuck.once('connect', resolve));
    stuck.write(`POST /webhook HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{`);
    second.run.child.kill('SIGINT');
    await second.run.waitFor(/stopping/);
    second.run.child.kill('SIGINT');
    expect((await second.run.exited).code).toBe(130);
    expect(second.run.stderr()).toContain('Second SIGINT: exiting now');
  });
});

describe('colour', () => {
  it('colours only when forced, and --no-color wins over FORCE_COLOR', async () => {
    const cwd = await workDir();
    const forced = await listen([], cwd, { FORCE_COLOR: '1' });
    expect(forced.run.stderr()).toContain('\u001b[');
    forced.run.child.kill('SIGINT');
    await forced.run.exited;
    const plain = await listen(['--no-color'], cwd, { FORCE_COLOR: '1' });
    plain.run.child.kill('SIGINT');
    await plain.run.exited;
    expect(plain.run.stderr()).not.toContain('\u001b[');
  });
});
