import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useCliWorlds } from '../helpers/cli-env.js';
import { BIN, cleanEnv } from '../helpers/spawn-cli.js';

// An API that is not Metriport's, or Metriport's answering what it should not: terminal sequences in every
// string, numbers as strings, wrong types, keys echoed, pages that lead back, answers that never come. Real
// servers on 127.0.0.1:0, the spawned CLI.
const worlds = useCliWorlds();
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const API_KEY = 'sk_hostile_api_key_0123456789';
const WEBHOOK_KEY = 'whk_hostile_webhook_key_987654';
const EVIL = '\u001b]52;c;ZXZpbA==\u0007\u001b[2J\u009b31m';
const ROW_ID = '6f1c2d3e-8a4b-4c5d-9e6f-7a8b9c0d1e2f';

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  response: ServerResponse;
}

/** A real HTTP API on 127.0.0.1:0 answering with `answer` (undefined: never answers). */
async function startApi(answer: (request: Recorded) => { status?: number; body: unknown } | undefined) {
  const requests: Recorded[] = [];
  const hung: Recorded[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://api.test');
    const recorded = { method: request.method ?? '', path: url.pathname, query: url.searchParams, response };
    requests.push(recorded);
    request.resume();
    request.on('end', () => {
      const reply = answer(recorded);
      if (reply === undefined) {
        hung.push(recorded);
        for (const waiter of waiters) waiter();
        return;
      }
      response.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
      response.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  worlds.onCleanup(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    /** Resolves with the first request left unanswered, once it has arrived whole. */
    firstHang(): Promise<Recorded> {
      return new Promise((resolve) => {
        const check = () => {
          const [found] = hung;
          if (found === undefined) return;
          waiters.delete(check);
          resolve(found);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** Every string hostile, both keys echoed; numbers as numbers, or (`numbersAsStrings`) as hostile strings. */
function hostileAnswers(options: { numbersAsStrings: boolean }) {
  const number = (value: number) => (options.numbersAsStrings ? `${value}${EVIL}` : value);
  const row = (status: 'failure' | 'success', index: number) => ({
    id: index === 0 ? ROW_ID : `${ROW_ID.slice(0, -1)}${index}`,
    type: `patient.admit${EVIL}`,
    status,
    statusDetail: `${EVIL} sent x-api-key ${API_KEY} and signed with ${WEBHOOK_KEY}`,
    requestUrl: `https://app.example.com/${EVIL}?key=${WEBHOOK_KEY}`,
    httpStatus: number(500),
    durationMillis: number(12),
    requestId: `req${EVIL}`,
    createdAt: `2026-12-01T00:00:00.000Z${EVIL}`,
    payload: {
      meta: { type: `patient.admit${EVIL}`, messageId: ROW_ID },
      payload: { note: `${EVIL}${API_KEY}`, [`k${EVIL}`]: WEBHOOK_KEY },
    },
  });
  return (request: Recorded) => {
    const route = `${request.method} ${request.path}`;
    if (route === 'GET /settings')
      return { body: { id: `acc${EVIL}`, webhookUrl: `https://app.example.com/${EVIL}hook`, webhookKey: WEBHOOK_KEY, mrFilters: null } };
    if (route === 'GET /settings/webhook')
      return {
        body: {
          webhookEnabled: false,
          webhookStatusDetail: `${EVIL} failed with ${WEBHOOK_KEY} for ${API_KEY}`,
          webhookRequestsProcessing: number(0),
          webhookRequestsFailed: number(2),
        },
      };
    if (route === 'GET /settings/webhook/request')
      return { body: { meta: { itemsOnPage: 2 }, requests: [row('failure', 0), row('success', 1)] } };
    if (route === 'POST /settings/webhook/retry') return { body: 'OK' };
    if (route === `POST /settings/webhook/request/${ROW_ID}/retry`)
      return { body: { meta: { messageId: `new${EVIL}${API_KEY}`, type: `patient.admit${EVIL}` } } };
    return { status: 404, body: { status: 404, title: 'NotFoundError', detail: `Cannot ${route}${EVIL}` } };
  };
}

function expectNothingRaw(output: string): void {
  expect(output).not.toMatch(RAW_CONTROL);
  expect(output).not.toContain(API_KEY);
  expect(output).not.toContain(WEBHOOK_KEY);
}

describe('an API answering terminal sequences and echoing keys', () => {
  it('never reaches the terminal raw, nor shows a key in full, in any command, human or --json', async () => {
    const world = await worlds.newWorld();
    const api = await startApi(hostileAnswers({ numbersAsStrings: false }));
    const runs: Array<[args: string[], code: number]> = [
      [['status'], 0],
      [['status', '--json'], 0],
      [['requests'], 0],
      [['requests', '--json'], 0],
      [['requests', '--failed', '--type', 'patient.'], 0],
      [['retry', '--dry-run'], 0],
      [['retry', '--json'], 0],
      [['retry', '--wait'], 1],
      [['retry', ROW_ID], 0],
      [['retry', ROW_ID, '--json'], 0],
    ];
    for (const [args, code] of runs) {
      const run = world.spawn([...args, '--api-url', api.url], { METRIPORT_API_KEY: API_KEY });
      expect({ args, code: (await run.exited).code }).toEqual({ args, code });
      expectNothingRaw(run.stdout() + run.stderr());
      if (args.includes('--json')) for (const line of run.stdout().trimEnd().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    }
    // What is shown is escaped, not dropped.
    const status = world.spawn(['status', '--api-url', api.url], { METRIPORT_API_KEY: API_KEY });
    await status.exited;
    expect(status.stdout()).toContain('Webhook URL: https://app.example.com/\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J\\x9b31mhook');
    const json = world.spawn(['requests', '--json', '--api-url', api.url], { METRIPORT_API_KEY: API_KEY });
    await json.exited;
    const [first] = json.stdout().trimEnd().split('\n');
    expect(JSON.parse(first ?? '').statusDetail).toBe(`${EVIL} sent x-api-key sk_h… and signed with whk_…`);
  });

  it("cuts the account's webhook key, read during the run, from an API error that quotes it", async () => {
    const world = await worlds.newWorld();
    const api = await startApi((request) => {
      if (request.path === '/settings') return { body: { id: 'acc', webhookUrl: null, webhookKey: WEBHOOK_KEY, mrFilters: null } };
      return { status: 500, body: { status: 500, title: 'InternalServerError', detail: `could not use ${WEBHOOK_KEY}` } };
    });
    for (const args of [['status'], ['requests'], ['retry']]) {
      const run = world.spawn([...args, '--api-url', api.url], { METRIPORT_API_KEY: API_KEY });
      expect({ args, code: (await run.exited).code }).toEqual({ args, code: 5 });
      expect(run.stderr()).toContain('could not use whk_…');
      expectNothingRaw(run.stdout() + run.stderr());
    }
  });

  it('numbers as strings and wrong types are a clear exit 5 naming the call and the field, not exit 70 or raw text', async () => {
    const world = await worlds.newWorld();
    const strings = await startApi(hostileAnswers({ numbersAsStrings: true }));
    const cases: Array<[args: string[], said: RegExp]> = [
      [['status'], /answered GET \/settings\/webhook with a string in webhookRequestsProcessing, where a whole number belongs/],
      [['status', '--json'], /GET \/settings\/webhook .* webhookRequestsProcessing/],
      [['retry', '--dry-run'], /GET \/settings\/webhook .* webhookRequestsProcessing/],
      [['requests'], /answered GET \/settings\/webhook\/request with a string in requests\[0\]\.httpStatus, where a whole number belongs/],
    ];
    for (const [args, said] of cases) {
      const run = world.spawn([...args, '--api-url', strings.url], { METRIPORT_API_KEY: API_KEY });
      expect({ args, code: (await run.exited).code }).toEqual({ args, code: 5 });
      expect(run.stderr()).toMatch(said);
      expectNothingRaw(run.stdout() + run.stderr());
    }
    const wrong = await startApi((request) => {
      if (request.path === '/settings') return { body: null };
      if (request.path === '/settings/webhook')
        return { body: { webhookEnabled: 'yes', webhookRequestsProcessing: 0, webhookRequestsFailed: 0 } };
      return { body: { meta: { nextPage: 7 }, requests: [] } };
    });
    const shapes: Array<[args: string[], said: RegExp]> = [
      [['key'], /answered GET \/settings with null as its whole answer, where an object belongs/],
      [['status'], /answered GET \/settings with null as its whole answer/],
      [['requests'], /answered GET \/settings\/webhook\/request with a number in meta\.nextPage, where a string belongs/],
    ];
    for (const [args, said] of shapes) {
      const run = world.spawn([...args, '--api-url', wrong.url], { METRIPORT_API_KEY: API_KEY });
      expect({ args, code: (await run.exited).code }).toEqual({ args, code: 5 });
      expect(run.stderr()).toMatch(said);
    }
  });
});

describe('the list of webhook requests', () => {
  const row = (id: string) => ({ id, type: 'patient.admit', status: 'success', createdAt: '2026-12-01T00:00:00.000Z', payload: {} });
  const page = (api: { url: string }, rows: unknown[], next: string | undefined) => ({
    body: {
      meta: {
        itemsOnPage: rows.length,
        ...(next === undefined ? {} : { nextPage: `${api.url}/settings/webhook/request?fromItem=${next}` }),
      },
      requests: rows,
    },
  });

  it('stops with a clear error when the pages lead back to one already read, by cursor or by rows', async () => {
    const world = await worlds.newWorld();
    // A → B → A: each page new rows, the cursor cycles. --failed never finds enough (every row succeeded).
    const cycling: { url: string } = await startApi((request) => {
      if (request.path === '/settings') return { body: { id: 'a', webhookUrl: null, webhookKey: null } };
      const from = request.query.get('fromItem');
      if (from === null) return page(cycling, [row('r0')], 'A');
      return page(cycling, [row(`r-${from}-${Math.random()}`)], from === 'A' ? 'B' : 'A');
    });
    // Always a new cursor, always the same rows.
    let counter = 0;
    const repeating: { url: string } = await startApi((request) => {
      if (request.path === '/settings') return { body: { id: 'a', webhookUrl: null, webhookKey: null } };
      counter += 1;
      return page(repeating, [row('same')], `cursor-${counter}`);
    });
    for (const api of [cycling, repeating]) {
      const run = world.spawn(['requests', '--failed', '--api-url', api.url], { METRIPORT_API_KEY: API_KEY });
      expect((await run.exited).code).toBe(5);
      expect(run.stderr()).toMatch(/led the list of webhook requests back to a page it had already given/);
    }
  });

  it('asks for no more rows than wanted when nothing is filtered', async () => {
    const world = await worlds.newWorld();
    const api = await startApi((request) => {
      if (request.path === '/settings') return { body: { id: 'a', webhookUrl: null, webhookKey: null } };
      return { body: { meta: { itemsOnPage: 0 }, requests: [] } };
    });
    for (const args of [['requests'], ['requests', '--limit', '3'], ['requests', '--failed']]) {
      const run = world.spawn([...args, '--api-url', api.url], { METRIPORT_API_KEY: API_KEY });
      expect((await run.exited).code).toBe(0);
    }
    const counts = api.requests
      .filter((request) => request.path === '/settings/webhook/request')
      .map((request) => request.query.get('count'));
    expect(counts).toEqual(['20', '3', '500']);
  });
});

describe('Ctrl-C while an API call hangs', () => {
  /** Answers every call but the one `hangs` picks, which it never answers. */
  async function hangingApi(hangs: (request: Recorded) => boolean) {
    const answers = hostileAnswers({ numbersAsStrings: false });
    return startApi((request) => (hangs(request) ? undefined : answers(request)));
  }

  it('status, requests, retry, retry --wait and retry <id> end at once with 130 and say where they stopped', async () => {
    const world = await worlds.newWorld();
    let statusReads = 0;
    const cases: Array<{ args: string[]; hangs: (request: Recorded) => boolean; said: RegExp }> = [
      {
        args: ['status'],
        hangs: (request) => request.path === '/settings/webhook',
        said: /^Stopped while waiting for GET \/settings\/webhook from the API at /m,
      },
      {
        args: ['requests'],
        hangs: (request) => request.path === '/settings/webhook/request',
        said: /^Stopped while waiting for GET \/settings\/webhook\/request/m,
      },
      {
        args: ['retry'],
        hangs: (request) => request.path === '/settings/webhook/retry',
        said: /^Stopped before the API at \S+ answered the retry of 2 failed request\(s\)\. It may have started all the same: check with `node \S+ status --api-url \S+`/m,
      },
      {
        args: ['retry', '--wait'],
        // The plan's read is answered; the wait's first read hangs.
        hangs: (request) => {
          if (request.path !== '/settings/webhook') return false;
          statusReads += 1;
          return statusReads > 1;
        },
        said: /^Stopped waiting for the retry at the API at \S+ before Metriport said how it went; Metriport goes on resending them\. Check how it ends with `node \S+ status --api-url/m,
      },
      {
        args: ['retry', ROW_ID],
        hangs: (request) => request.path.endsWith('/retry'),
        said: /^Stopped before the API at \S+ answered the resend of webhook request/m,
      },
    ];
    for (const { args, hangs, said } of cases) {
      const api = await hangingApi(hangs);
      const run = world.spawn([...args, '--api-url', api.url], { METRIPORT_API_KEY: API_KEY });
      const hanging = await api.firstHang();
      run.child.kill('SIGINT');
      const { code } = await run.exited;
      // It ended while the API still had not answered.
      expect(hanging.response.writableEnded).toBe(false);
      expect({ args, code }).toEqual({ args, code: 130 });
      expect(run.stderr()).toMatch(said);
      expect(run.stderr()).not.toMatch(/Error:|did not answer|Could not reach/);
    }
  });

  it('status --watch on a real terminal: Ctrl-C during a read ends it with 130 and the last report stays', async () => {
    const world = await worlds.newWorld();
    let reads = 0;
    const api = await hangingApi((request) => {
      if (request.path !== '/settings/webhook') return false;
      reads += 1;
      return reads > 1;
    });
    const command = `stty cols 100 rows 30; exec ${process.execPath} ${BIN} status --watch --interval 100ms --api-url ${api.url}`;
    const terminal = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: world.cwd,
      env: cleanEnv({ ...world.env, METRIPORT_API_KEY: API_KEY, TERM: 'xterm-256color' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    worlds.onCleanup(() => void terminal.kill('SIGKILL'));
    let screen = '';
    terminal.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => terminal.on('close', (code) => resolve(code)));
    const hanging = await api.firstHang();
    // The byte a person's Ctrl-C sends, through the pseudo-terminal's line discipline.
    terminal.stdin.write('\u0003');
    expect(await exited).toBe(130);
    expect(hanging.response.writableEnded).toBe(false);
    expect(screen).toMatch(/Webhook URL: /);
    expect(screen).toMatch(/Stopped while waiting for GET \/settings\/webhook from the API at \S+ The report above is the last one read\./);
  });
});
