import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BIN, cleanEnv, spawnCli } from '../helpers/spawn-cli.js';
import { APP_KEY, APPS, type AppName, serveApp, verifies } from '../helpers/webhook-apps.js';

// `check` spawned as a user runs it, against small real apps on 127.0.0.1, each broken one way: each gets
// exactly one ✗, on its cause, with its fix; the correct and the serial one pass.

const ANSWER_FIRST = 'Metriport gives up after 5 s and marks the request failed; answer first, work after (queue it).';

interface CheckLine {
  id: string;
  mark: 'pass' | 'fail' | 'warning' | 'not-judged';
  summary: string;
  cause?: string;
  fix?: string;
  next?: string;
  because?: string;
}

/** Cleanup for the test under way: concurrent tests pass their context's own `onTestFinished`. */
type Finished = typeof onTestFinished;

async function workDir(finished: Finished = onTestFinished): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mw-check-'));
  finished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function app(input: Parameters<typeof serveApp>[0], finished: Finished = onTestFinished): Promise<string> {
  const served = await serveApp(input);
  finished(() => served.close());
  return served.url;
}

async function expressApp(build: (server: express.Express) => void, finished: Finished = onTestFinished): Promise<string> {
  const server = express();
  build(server);
  const http = await new Promise<Server>((resolve) => {
    const started = server.listen(0, '127.0.0.1', () => resolve(started));
  });
  finished(
    () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}/webhook`;
}

async function check(url: string, extra: string[] = [], finished: Finished = onTestFinished) {
  const cwd = await workDir(finished);
  const started = performance.now();
  const run = spawnCli(['check', url, '--webhook-key', APP_KEY, '--json', ...extra], { cwd, env: { HOME: cwd } });
  finished(() => void (run.child.exitCode === null && run.child.kill('SIGKILL')));
  const { code } = await run.exited;
  const results: CheckLine[] = run
    .stdout()
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  const marks = Object.fromEntries(results.map((result) => [result.id, result.mark]));
  return { code, results, marks, cwd, stderr: run.stderr(), seconds: (performance.now() - started) / 1000 };
}

const failing = (results: CheckLine[]) => results.filter((result) => result.mark === 'fail').map((result) => result.id);

describe('check against real endpoints', () => {
  it.concurrent('a correct endpoint passes every check, exit 0, and the report card says so', async ({
    expect,
    onTestFinished: finished,
  }) => {
    const url = await app({ handler: APPS.correct }, finished);
    const { code, results } = await check(url, [], finished);
    expect(results.map((result) => [result.id, result.mark])).toEqual(
      ['reachable', 'redirects', 'speed', 'signatures', 'ping', 'raw-bytes', 'shapes', 'types', 'idempotency', 'size', 'concurrency'].map(
        (id) => [id, 'pass'],
      ),
    );
    expect(code).toBe(0);
    const human = spawnCli(['check', url, '--webhook-key', APP_KEY, '--only', 'types'], { cwd: await workDir(finished) });
    expect((await human.exited).code).toBe(0);
    expect(human.stdout()).toMatch(/^✓ types {7}19 types and one that does not exist yet: all 2xx, slowest \S+ \d+ ms$/m);
    expect(human.stderr()).toMatch(/All 5 checks passed \(/);
  });

  it.concurrent('a correct endpoint that handles one request at a time (300 ms each) passes, exit 0', async ({
    expect,
    onTestFinished: finished,
  }) => {
    const { code, results, marks } = await check(await app({ handler: APPS.correct, serialMs: 300 }, finished), [], finished);
    expect(failing(results)).toEqual([]);
    expect(code).toBe(0);
    expect(marks).toMatchObject({ speed: 'pass', size: 'pass', idempotency: 'pass' });
    // 20 in flight at 300 ms each: the last ones wait past 5 s. Metriport sends one at a time per flow, so
    // that is information (a warning), not a ✗.
    const concurrency = results.find((result) => result.id === 'concurrency');
    expect(concurrency?.summary).toMatch(/one at a time 5\/5 · 5 in flight 5\/5 · 20 in flight \d+\/20/);
  }, 90_000);

  it.concurrent('an Express app that works 6 s before answering: one ✗ on speed with the Express fix, the run ends within 40 s', async ({
    expect,
    onTestFinished: finished,
  }) => {
    const url = await expressApp(
      (server) =>
        server.post('/webhook', express.raw({ type: '*/*', limit: '50mb' }), (request, response) => {
          if (!verifies(request.body as Buffer, request.header('x-metriport-signature'))) return void response.sendStatus(401);
          const message = JSON.parse((request.body as Buffer).toString('utf8'));
          if (message.ping) return void response.json({ pong: message.ping });
          setTimeout(() => response.sendStatus(200), 6000);
        }),
      finished,
    );
    const { code, results, seconds } = await check(url, [], finished);
    expect(failing(results)).toEqual(['speed']);
    expect(results.filter((result) => result.id !== 'speed').every((result) => ['pass', 'not-judged'].includes(result.mark))).toBe(true);
    const speed = results.find((result) => result.id === 'speed');
    expect(speed?.fix?.startsWith(ANSWER_FIRST)).toBe(true);
    expect(speed?.fix).toMatch(/Express \(x-powered-by: Express\): verify, store the message, `res\.sendStatus\(200\)`/);
    expect(code).toBe(1);
    expect(seconds).toBeLessThan(40);
  }, 60_000);

  it.concurrent('an answer with terminal escapes reaches --json escaped, never raw', async ({ expect, onTestFinished: finished }) => {
    const url = await expressApp((server) => {
      server.post(
        '/webhook',
        (_request, response) => void response.status(500).type('text/plain').send('bad \u009b31m \u001b]52;c;ZXZpbA==\u0007 end'),
      );
    }, finished);
    const cwd = await workDir(finished);
    const run = spawnCli(['check', url, '--webhook-key', APP_KEY, '--json', '--only', 'ping'], { cwd, env: { HOME: cwd } });
    await run.exited;
    expect(run.stdout()).toContain('bad \\u009b31m \\u001b]52;c;ZXZpbA==\\u0007 end');
    for (const raw of ['\u001b', '\u0007', '\u009b']) expect(run.stdout()).not.toContain(raw);
  });

  it.concurrent('an endpoint that never answers a message fails speed, also with --only speed (a timeout is never a pass)', async ({
    expect,
    onTestFinished: finished,
  }) => {
    const url = await app({ handler: APPS.neverAnswers }, finished);
    const all = await check(url, [], finished);
    expect(failing(all.results)).toEqual(['speed']);
    expect(all.seconds).toBeLessThan(40);
    const only = await check(url, ['--only', 'speed'], finished);
    expect(only.marks).toEqual({ reachable: 'pass', redirects: 'pass', speed: 'fail' });
    expect(only.code).toBe(1);
  }, 90_000);

  it.each<{ app: AppName; id: string; summary: RegExp; fix: RegExp }>([
    { app: 'wrongKey', id: 'signatures', summary: /refused correctly signed messages \(401\)/, fix: /HMAC-SHA256 of the raw body/ },
    {
      app: 'pythonStyle',
      id: 'raw-bytes',
      summary: /refused a message as Metriport writes it, with non-ASCII text/,
      fix: /Verify the bytes received, before parsing/,
    },
    {
      app: 'redirects',
      id: 'redirects',
      summary: /got 302 to https:\/\/app\.example\.com\/webhook\//,
      fix: /Register the URL the redirect points to/,
    },
    { app: 'duplicates500', id: 'idempotency', summary: /the same message again got 500/, fix: /idempotency key/ },
    { app: 'needsRequestId', id: 'shapes', summary: /choked on no meta\.requestId \(500\)/, fix: /read meta\.requestId as optional/ },
    {
      app: 'needsDocuments',
      id: 'shapes',
      summary: /choked on documents: \[\] \(500\)/,
      fix: /treat documents as optional and possibly empty/,
    },
  ])('$app: exactly one ✗, on $id, with its fix; the rest ✓ or not judged; exit 1', async ({ app: name, id, summary, fix }) => {
    const { code, results } = await check(await app({ handler: APPS[name] }));
    expect(failing(results)).toEqual([id]);
    expect(results.filter((result) => result.id !== id).map((result) => result.mark)).not.toContain('warning');
    const failed = results.find((result) => result.id === id);
    expect(failed?.summary).toMatch(summary);
    expect(failed?.fix).toMatch(fix);
    expect(code).toBe(1);
    if (name === 'wrongKey') expect(failed?.next).toMatch(/ key$/);
  });

  it("an Express app that verifies JSON.stringify(req.body) delivers every real message: it passes, with raw-bytes' warning", async () => {
    const url = await expressApp((server) =>
      server.post('/webhook', express.json({ limit: '50mb' }), (request, response) => {
        if (!verifies(JSON.stringify(request.body), request.header('x-metriport-signature'))) return void response.sendStatus(401);
        if (request.body.ping) return void response.json({ pong: request.body.ping });
        response.sendStatus(200);
      }),
    );
    const { code, results } = await check(url);
    expect(failing(results)).toEqual([]);
    const rawBytes = results.find((result) => result.id === 'raw-bytes');
    expect(rawBytes?.mark).toBe('warning');
    expect(rawBytes?.cause).toMatch(/works today because Metriport's bytes are themselves JSON\.stringify output/);
    expect(rawBytes?.fix).toMatch(/Express \(x-powered-by: Express\): `express\.raw\(/);
    expect(code).toBe(0);
  });

  it('an answer that trickles for 7 s is delivered, as Metriport counts time (without data): a warning, not a ✗', async () => {
    const url = await expressApp((server) =>
      server.post('/webhook', express.raw({ type: '*/*', limit: '50mb' }), (request, response) => {
        if (!verifies(request.body as Buffer, request.header('x-metriport-signature'))) return void response.sendStatus(401);
        const message = JSON.parse((request.body as Buffer).toString());
        if (message.ping) return void response.json({ pong: message.ping });
        if (message.meta?.type !== 'patient.admit') return void response.sendStatus(200);
        // Headers at once, then a byte a second for 7 s: never 5 s without data.
        response.writeHead(200, { 'content-type': 'text/plain' });
        let sent = 0;
        const drip = setInterval(() => {
          sent += 1;
          if (sent < 7) response.write('.');
          else {
            clearInterval(drip);
            response.end('.');
          }
        }, 1000);
        response.on('close', () => clearInterval(drip));
      }),
    );
    const { code, marks, results } = await check(url, ['--only', 'speed']);
    expect(marks.speed).toBe('warning');
    expect(JSON.stringify(results.find((result) => result.id === 'speed'))).toContain('patient.admit');
    expect(code).toBe(0);
  });

  it.each<AppName>(['bomPong', 'gzipPong'])('%s: the pong is healthy for Metriport, ping ✓', async (name) => {
    const { code, marks } = await check(await app({ handler: APPS[name] }), ['--only', 'ping']);
    expect(marks.ping).toBe('pass');
    expect(code).toBe(0);
  });

  it('--junit writes a report a JUnit parser reads: a testcase per check, the failure and the skips', async () => {
    const { code, cwd } = await check(await app({ handler: APPS.redirects }), ['--junit', 'webhook-check.xml']);
    expect(code).toBe(1);
    const xml = await readFile(join(cwd, 'webhook-check.xml'), 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const suite = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' }).parse(xml)
      .testsuites.testsuite;
    expect(suite).toMatchObject({ tests: '11', failures: '1', skipped: '9', errors: '0' });
    const failure = suite.testcase.find((item: { name: string }) => item.name === 'redirects').failure;
    expect(failure.message).toMatch(/^got 302 to https:\/\/app\.example\.com\/webhook\/$/);
    expect(failure['#text']).toMatch(/sent a signed ping → 302[\s\S]*cause: Metriport does not follow redirects[\s\S]*fix: Register/);
    expect(suite.testcase.find((item: { name: string }) => item.name === 'types').skipped.message).toBe('not judged: redirects failed');
  });

  it('Ctrl-C keeps what was decided, says where it stopped, and exits 130', async () => {
    const url = await app({ handler: APPS.slow });
    const cwd = await workDir();
    const run = spawnCli(['check', url, '--webhook-key', APP_KEY, '--junit', 'partial.xml'], { cwd });
    onTestFinished(() => void (run.child.exitCode === null && run.child.kill('SIGKILL')));
    await run.waitFor(/✓ reachable/, 'stdout');
    run.child.kill('SIGINT');
    expect((await run.exited).code).toBe(130);
    expect(run.stdout()).toMatch(/^✓ reachable /m);
    expect(run.stderr()).toMatch(/Stopped by Ctrl-C after 1 of 11 checks: 0 failed; not run: redirects, speed, /);
    const suite = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(
      await readFile(join(cwd, 'partial.xml'), 'utf8'),
    ).testsuites.testsuite;
    expect(suite).toMatchObject({ tests: '11', skipped: '10', failures: '0' });
  });

  it('usage errors exit 2 with a next step', async () => {
    const cwd = await workDir();
    const notUrl = spawnCli(['check', 'localhost:3000', '--webhook-key', APP_KEY], { cwd });
    expect((await notUrl.exited).code).toBe(2);
    const badOnly = spawnCli(['check', 'http://127.0.0.1:9/webhook', '--webhook-key', APP_KEY, '--only', 'pong'], { cwd });
    expect((await badOnly.exited).code).toBe(2);
    expect(badOnly.stderr()).toMatch(/--only pong is not a check\. Did you mean ping\?/);
  });
});

/** `check` in a pseudo-terminal 100 columns wide: what a person sees, and the keys they press. */
async function onTerminal(args: string[]) {
  const cwd = await workDir();
  const command = `stty cols 100 rows 30; exec ${process.execPath} ${BIN} check ${args.join(' ')}`;
  const started = performance.now();
  const terminal = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd,
    env: cleanEnv({ HOME: cwd, TERM: 'xterm-256color' }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  onTestFinished(() => void (terminal.exitCode === null && terminal.kill('SIGKILL')));
  let screen = '';
  const waiters: Array<() => void> = [];
  terminal.stdout.on('data', (chunk: Buffer) => {
    screen += chunk.toString();
    for (const waiter of waiters) waiter();
  });
  const exited = new Promise<number | null>((resolve) => terminal.on('close', (code) => resolve(code)));
  /** Seconds from the start until `pattern` is on the screen. */
  const seen = (pattern: RegExp) =>
    new Promise<number>((resolve) => {
      const test = () => (pattern.test(screen) ? resolve((performance.now() - started) / 1000) : undefined);
      waiters.push(test);
      test();
    });
  return { terminal, exited, seen, screen: () => screen, seconds: () => (performance.now() - started) / 1000 };
}

describe('check on a terminal', () => {
  it('Ctrl-C while a check waits keeps the decided lines, says what was not run, and exits 130', async () => {
    const url = await app({ handler: APPS.slow });
    const { terminal, exited, seen, screen } = await onTerminal([url, '--webhook-key', APP_KEY]);
    await seen(/redirects: medical\.document-download — waiting for the answer/);
    // The byte a person's Ctrl-C sends, through the pseudo-terminal's line discipline.
    terminal.stdin.write('\u0003');
    expect(await exited).toBe(130);
    expect(screen()).toMatch(/✓.*reachable.*a signed ping got 200/);
    expect(screen()).toMatch(/Stopped by Ctrl-C after 1 of 11 checks: 0 failed; not run: redirects, speed, signatures/);
  }, 30_000);

  it('against a 6 s endpoint, the first lines show within 3 s, a spinner says what it waits for, and the run ends within 40 s', async () => {
    const url = await app({ handler: APPS.slow });
    const { exited, seen, screen, seconds } = await onTerminal([url, '--webhook-key', APP_KEY]);
    expect(await seen(/✓.*reachable/)).toBeLessThan(3);
    await seen(/redirects: medical\.document-download — waiting for the answer \(up to 5 s\)/);
    expect(await exited).toBe(1);
    expect(seconds()).toBeLessThan(40);
    expect(screen()).toMatch(/✗.*speed/);
    expect(screen()).toMatch(/1 of 11 checks failed: speed; 8 not judged because of it/);
  }, 60_000);
});
