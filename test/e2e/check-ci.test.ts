import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cleanEnv } from '../helpers/spawn-cli.js';

// The README's CI example, run as written: its job env and every `run:` step, in order, in a project laid
// out as a user's (an app whose `npm start` listens on $PORT, metriport-webhook in node_modules). Only
// `npm ci` is left out: the project is already installed, and the registry is not for tests.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The workflow under the README's "In CI" heading: its job env and its steps, as the runner would see them. */
function workflow(readme: string): { env: Record<string, string>; steps: Array<{ run?: string; uses?: string; if?: string }> } {
  const heading = /^#{2,3} In CI\b.*$/m.exec(readme);
  if (heading === null) throw new Error('no "In CI" heading in the README');
  const section = readme.slice(heading.index);
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  if (yaml === undefined) throw new Error('no yaml block under "In CI"');
  const env: Record<string, string> = {};
  const envBlock = /\n {4}env:\n((?: {6}\S.*\n)+)/.exec(yaml)?.[1] ?? '';
  for (const line of envBlock.split('\n').filter(Boolean)) {
    const match = /^ {6}([A-Z_]+): (?:"([^"]*)"|(\S+))/.exec(line);
    if (match?.[1] !== undefined) env[match[1]] = match[2] ?? match[3] ?? '';
  }
  const stepsText = yaml.slice(yaml.indexOf('    steps:\n') + '    steps:\n'.length);
  const steps = stepsText
    .split(/\n(?= {6}- )/)
    .map((step) => ({
      run: /(?:^|\n) {6}(?:- | {2})run: (.+)/.exec(step)?.[1],
      uses: /(?:^|\n) {6}(?:- | {2})uses: (.+)/.exec(step)?.[1],
      if: /(?:^|\n) {6}(?:- | {2})if: (.+)/.exec(step)?.[1],
    }))
    .map((step) => Object.fromEntries(Object.entries(step).filter(([, value]) => value !== undefined)));
  return { env, steps };
}

/** The user's app: verifies the raw body with $METRIPORT_WEBHOOK_KEY, answers the ping and every message at once. */
const SERVER = `const { createHmac, timingSafeEqual } = require('node:crypto');
const { createServer } = require('node:http');
createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const raw = Buffer.concat(chunks);
    const expected = createHmac('sha256', process.env.METRIPORT_WEBHOOK_KEY).update(raw).digest('hex');
    const given = String(request.headers['x-metriport-signature'] || '');
    if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
      response.writeHead(401).end();
      return;
    }
    const message = JSON.parse(raw.toString('utf8'));
    if (message.ping) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ pong: message.ping }));
      return;
    }
    response.writeHead(200).end();
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("the README's CI example", () => {
  it('starts the app, waits for it, runs check with --junit: exit 0 and a report a JUnit parser reads', async () => {
    const { env, steps } = workflow(await readFile(join(ROOT, 'README.md'), 'utf8'));
    expect(Object.keys(env)).toEqual(['PORT', 'METRIPORT_WEBHOOK_KEY']);
    const runs = steps.filter((step) => step.run !== undefined && step.if === undefined).map((step) => step.run as string);
    expect(runs[0]).toBe('npm ci');
    expect(runs.slice(1).join('\n')).toMatch(/npm start[\s\S]*\/dev\/tcp[\s\S]*npx metriport-webhook check .* --junit webhook-check\.xml/);
    expect(steps.find((step) => step.if === 'always()')?.uses).toMatch(/junit/);

    const project = await mkdtemp(join(tmpdir(), 'mw-ci-'));
    onTestFinished(() => rm(project, { recursive: true, force: true }));
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'ci-app', private: true, scripts: { start: 'node server.js' } }));
    await writeFile(join(project, 'server.js'), SERVER);
    await mkdir(join(project, 'node_modules', '.bin'), { recursive: true });
    await symlink(ROOT, join(project, 'node_modules', 'metriport-webhook'));
    await symlink('../metriport-webhook/bin/metriport-webhook.js', join(project, 'node_modules', '.bin', 'metriport-webhook'));

    // One shell for the job, as the steps share a runner; what the steps left running is stopped at the end.
    const script = ['set -e', "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT", ...runs.slice(1)].join('\n');
    const job = spawn('bash', ['-c', script], {
      cwd: project,
      env: cleanEnv({ ...env, PORT: String(await freePort()), HOME: project, CI: 'true' }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    job.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    job.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    onTestFinished(() => {
      // The job's own process group: the app npm started, if the trap did not get to it.
      if (job.pid !== undefined) {
        try {
          process.kill(-job.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
    const code = await new Promise<number | null>((resolve) => job.on('close', resolve));
    expect({ code, output }).toMatchObject({ code: 0 });
    expect(output).toMatch(/All 11 checks passed/);

    const xml = await readFile(join(project, 'webhook-check.xml'), 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const suite = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' }).parse(xml)
      .testsuites.testsuite;
    expect(suite).toMatchObject({ tests: '11', failures: '0', skipped: '0' });
    expect(suite.testcase.map((item: { name: string }) => item.name)).toEqual([
      'reachable',
      'redirects',
      'speed',
      'signatures',
      'ping',
      'raw-bytes',
      'shapes',
      'types',
      'idempotency',
      'size',
      'concurrency',
    ]);
  }, 60_000);
});
