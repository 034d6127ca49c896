import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliWorld, TEST_API_KEY, useCliWorlds } from '../helpers/cli-env.js';
import { refusingUrl, startTargetApp } from '../helpers/servers.js';
import { cleanEnv, READY } from '../helpers/spawn-cli.js';

// Every command a command suggests, harvested from what it printed in the situations that make it suggest
// one, then run exactly as printed (through sh, from the user's folder, with only the environment the
// suggesting command had): each must work. Two ways of giving the API: the emulator's public key as flags,
// and a secret key in the environment as a real account is used (the key must then never be printed).
const worlds = useCliWorlds();
const PUBLIC_KEY = 'local-emulator';
// ngrok's cloud cannot be reached here: a `listen` suggestion is run with an authtoken and must get as far as
// asking ngrok for a tunnel, which shows it found its API, key and flags.
const NGROK_TOKEN = '2fakeNgrokToken_abcdefghijklmnopqrstuvwxyz012';

interface ApiGiven {
  name: string;
  key: string;
  flags(url: string): string[];
  env(url: string): Record<string, string>;
  /** A `.env` file in the user's folder, as many projects keep their keys. */
  dotenv?: (url: string) => string;
}

const WAYS: ApiGiven[] = [
  {
    name: "the emulator's public key as flags",
    key: PUBLIC_KEY,
    flags: (url) => ['--api-url', url, '--api-key', PUBLIC_KEY],
    env: () => ({}),
  },
  {
    name: 'a secret key and the API in the environment',
    key: TEST_API_KEY,
    flags: () => [],
    env: (url) => ({ METRIPORT_API_URL: url, METRIPORT_API_KEY: TEST_API_KEY }),
  },
  {
    name: 'a secret key and the API in a .env file',
    key: TEST_API_KEY,
    flags: () => [],
    env: () => ({}),
    dotenv: (url) => `METRIPORT_API_URL=${url}\nMETRIPORT_API_KEY=${TEST_API_KEY}\n`,
  },
];

async function api(baseUrl: string, key: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.json();
}

/** The commands a text suggests: what stands between backticks and starts with how the CLI was run. */
function suggested(text: string): string[] {
  return [...text.matchAll(/`(node [^`]+)`/g)].map((match) => match[1] as string);
}

/** Runs a printed command line as the user would paste it. */
async function runAsPrinted(world: CliWorld, line: string, env: Record<string, string>) {
  const child = spawn('sh', ['-c', line], { cwd: world.cwd, env: cleanEnv({ ...world.env, ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { line, code, output };
}

describe.each(WAYS)('every suggestion runs as printed: $name', (way) => {
  it('status, key, requests, retry, trigger: what each suggests works once the app is fixed', async () => {
    const world = await worlds.newWorld();
    const emulatorArgs = way.key === PUBLIC_KEY ? [] : ['--api-key', way.key];
    const emulator = world.spawn(['emulator', '--port', '0', '--allow-local-urls', ...emulatorArgs]);
    const [, url = ''] = await emulator.waitFor(/Emulator ready: (http:\/\/\S+)/);
    let accepting = false;
    const app = await startTargetApp(() => ({ status: accepting ? 200 : 500 }));
    worlds.onCleanup(() => app.close());
    if (way.dotenv !== undefined) await writeFile(join(world.cwd, '.env'), way.dotenv(url), { mode: 0o600 });
    await api(url, way.key, 'GET', '/settings');
    const hints = new Map<string, string>();
    const harvest = async (situations: Array<[args: string[], code: number]>) => {
      for (const [args, code] of situations) {
        const run = world.spawn([...args, ...way.flags(url)], way.env(url));
        expect({ args, code: (await run.exited).code }).toEqual({ args, code });
        for (const line of suggested(run.stdout() + run.stderr())) if (!hints.has(line)) hints.set(line, args.join(' '));
      }
    };
    // The situations that make each command suggest something, with the exit each ends with: first an
    // account with no webhook URL yet, then one whose app fails.
    await harvest([
      [['status'], 0],
      [['retry'], 0],
    ]);
    await api(url, way.key, 'POST', '/settings', { webhookUrl: `${app.url}/hook` });
    await api(url, way.key, 'POST', '/emulator/messages', { type: 'patient.admit' });
    await harvest([
      [['status'], 0],
      [['key'], 0],
      [['requests'], 0],
      [['requests', '--type', 'patient'], 0],
      [['retry', '--wait', '--timeout', '3s'], 1],
      [['retry', '0195d9a0-aaaa-7bbb-8ccc-000000000001'], 5],
      [['trigger', 'patient.admit', '--to', await refusingUrl('/webhook')], 1],
      [['trigger', 'patient.admit', '--via-api'], 1],
    ]);
    // What the situations must have suggested between them (more is fine: each is run below).
    const commands = [...hints.keys()].map((line) => line.replace(/^node \S+ /, '').split(' --api-')[0]);
    expect(commands).toEqual(
      expect.arrayContaining([
        'retry --wait',
        'key --show',
        expect.stringMatching(/^retry [0-9a-f-]{36}$/),
        'trigger --list',
        'status',
        'requests --failed',
        'requests',
        expect.stringMatching(/^listen/),
      ]),
    );

    accepting = true;
    for (const [line, from] of hints) {
      expect(line, `suggested by ${from}`).not.toMatch(/</);
      if (way.key !== PUBLIC_KEY) expect(line, `suggested by ${from}`).not.toContain(way.key);
      if (/^node \S+ listen\b/.test(line)) {
        const listened = await runAsPrinted(world, line, { ...way.env(url), NGROK_AUTHTOKEN: NGROK_TOKEN });
        expect({ line, from, code: listened.code, output: listened.output }).toMatchObject({
          code: 4,
          output: expect.stringMatching(/Could not reach ngrok/),
        });
        continue;
      }
      const ran = await runAsPrinted(world, line, way.env(url));
      expect({ line, from, code: ran.code, output: ran.output }).toMatchObject({ line, from, code: 0 });
    }
    if (way.key !== PUBLIC_KEY) expect(world.allOutput()).not.toContain(way.key);
  });
});

describe('listen --emulator: what it suggests while it runs', () => {
  it('the health line’s retry and the --forward-to key reminder run as printed against its emulator', async () => {
    const world = await worlds.newWorld();
    let accepting = false;
    const app = await startTargetApp(() => ({ status: accepting ? 200 : 500 }));
    worlds.onCleanup(() => app.close());
    const listenArgs = ['listen', '--emulator', '--port', '0', '--no-inspect', '--forward-to', `${app.url}/hook`];

    // A first run whose app fails every sample leaves failed requests in the emulator's account.
    const first = world.spawn(listenArgs);
    await first.waitFor(/one sample of each/);
    await first.waitFor(/Stopped|unhealthy|forward failed|\b5\d\d\b/);
    first.child.kill('SIGINT');
    expect((await first.exited).code).toBe(0);

    accepting = true;
    const second = world.spawn(listenArgs);
    await second.waitFor(READY);
    const [, retryLine = ''] = await second.waitFor(/failed request\(s\) wait for a retry: run `(node [^`]+)`/);
    const [, keyLine = ''] = await second.waitFor(/Your app verifies forwarded requests with the account's webhook key: `(node [^`]+)`/);
    for (const line of [retryLine, keyLine]) {
      const ran = await runAsPrinted(world, line, {});
      expect({ line, code: ran.code, output: ran.output }).toMatchObject({ line, code: 0 });
    }
    second.child.kill('SIGINT');
    expect((await second.exited).code).toBe(0);
  });
});
