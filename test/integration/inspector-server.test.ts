import { readFile } from 'node:fs/promises';
import { type IncomingHttpHeaders, request } from 'node:http';
import { Script } from 'node:vm';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { EntriesAnswer, EntryAnswer, ErrorAnswer } from '../../src/inspector/entry.js';
import { startInspector } from '../../src/inspector/inspector-server.js';
import { createInspectorStore, type InspectorStore } from '../../src/inspector/inspector-store.js';
import { PAGE_ASSETS_FILE } from '../../src/inspector/page-assets.js';

// The inspector's rules (token, then cookie; Host and Origin; security headers; no CORS) checked on a real
// socket in-process, where the browser tests (test/browser) can only see what chromium shows.

const PAGE_SOURCES = new URL('../../src/inspector/page/', import.meta.url);
const STALE = 'the built page (dist/inspector/page-assets.json) differs from src/inspector/page/: run npm run build';
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'cross-origin-resource-policy': 'same-origin',
};
const ROUTES = [
  '/',
  '/app.js',
  '/app.css',
  '/api/entries',
  '/api/entries/1',
  '/api/entries/1/raw',
  '/api/entries/1/curl',
  '/api/events',
  '/no-such-route',
];

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface TestInspector {
  port: number;
  token: string;
  /** The Host header a browser on the printed URL sends. */
  host: string;
  cookie: string;
  store: InspectorStore;
  ask(path: string, options?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Answer>;
}

async function inspector(): Promise<TestInspector> {
  const store = createInspectorStore();
  const running = await startInspector({ port: 0, fallbackToFreePort: false, store });
  onTestFinished(() => running.close());
  const token = new URL(running.url).searchParams.get('token') ?? '';
  expect(token).toMatch(/^[\w-]{32}$/);
  const host = `127.0.0.1:${running.port}`;
  return {
    port: running.port,
    token,
    host,
    cookie: `mw_inspector=${token}`,
    store,
    ask: (path, options = {}) =>
      ask({ port: running.port, path, method: options.method ?? 'GET', headers: { host, ...options.headers }, body: options.body }),
  };
}

/**
 * One request with any headers (fetch would not send a foreign Host). A live feed never ends: its answer is
 * what came before the first event.
 */
function ask(input: {
  port: number;
  path: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port: input.port, method: input.method, path: input.path, headers: input.headers },
      (response) => {
        const chunks: Buffer[] = [];
        const answer = () => ({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          if (response.headers['content-type'] === 'text/event-stream') {
            resolve(answer());
            outgoing.destroy();
          }
        });
        response.on('end', () => resolve(answer()));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(input.body);
  });
}

const refused = { status: 403, body: '' };
const outcome = (answer: Answer) => ({ status: answer.status, body: answer.body.toString('utf8') });
/** The same length as the token, one character off: a check that compared lengths or prefixes would let it in. */
const almost = (token: string) => `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;

function addCapture(store: InspectorStore, raw: string): void {
  const payload = JSON.parse(raw) as { meta: { messageId: string } };
  store.addCapture({
    raw: Buffer.from(raw),
    payload,
    fileName: 'captures/m-1.json',
    at: new Date(Date.UTC(2026, 10, 29, 12)),
    type: 'patient.admit',
    messageId: payload.meta.messageId,
  });
}

describe('the inspector server on 127.0.0.1:0, in-process', () => {
  it('answers 403 with an empty body on every route without the right token or cookie', async () => {
    const { ask, token } = await inspector();
    for (const path of ROUTES) {
      expect(outcome(await ask(path)), `${path} with nothing`).toEqual(refused);
      expect(outcome(await ask(`${path}?token=${almost(token)}`)), `${path} with a wrong token`).toEqual(refused);
      expect(outcome(await ask(`${path}?token=`)), `${path} with an empty token`).toEqual(refused);
      expect(outcome(await ask(path, { headers: { cookie: `mw_inspector=${almost(token)}` } })), `${path} with a wrong cookie`).toEqual(
        refused,
      );
      expect(outcome(await ask(path, { headers: { cookie: `other=${token}` } })), `${path} with the token in another cookie`).toEqual(
        refused,
      );
    }
    const replay = await ask('/api/entries/1/replay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(outcome(replay)).toEqual(refused);
  });

  it('turns the token in the address into an HttpOnly, SameSite=Strict cookie and sends the browser back to / without it', async () => {
    const { ask, token, cookie } = await inspector();
    const arrival = await ask(`/?token=${token}`);
    expect(arrival.status).toBe(303);
    expect(arrival.headers.location).toBe('/');
    const [pair, ...attributes] = String(arrival.headers['set-cookie']).split('; ');
    expect(pair).toBe(cookie);
    expect(attributes.map((attribute) => attribute.toLowerCase()).sort()).toEqual(['httponly', 'path=/', 'samesite=strict']);

    const page = await ask('/', { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(page.body.toString()).not.toContain(token);
    // Elsewhere the token is taken the same way, without a redirect (a direct link to the API still works).
    const api = await ask(`/api/entries?token=${token}`);
    expect(api.status).toBe(200);
    expect(String(api.headers['set-cookie'])).toMatch(new RegExp(`^${cookie}; `));
  });

  it('refuses a foreign Host even with the token or the cookie (DNS rebinding), and gives it no cookie', async () => {
    const { ask, token, cookie, port } = await inspector();
    for (const host of [`evil.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `localhost.evil.example:${port}`]) {
      const withToken = await ask(`/?token=${token}`, { headers: { host } });
      expect(outcome(withToken), `Host ${host} with the token`).toEqual(refused);
      expect(withToken.headers['set-cookie'], `Host ${host} with the token`).toBeUndefined();
      expect(outcome(await ask('/api/entries', { headers: { host, cookie } })), `Host ${host} with the cookie`).toEqual(refused);
    }
    // The two names of the printed address are both its own.
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      expect((await ask('/api/entries', { headers: { host, cookie } })).status, `Host ${host}`).toBe(200);
    }
  });

  it('refuses a request from a foreign Origin even with the cookie, and takes those from its own', async () => {
    const { ask, cookie, port } = await inspector();
    for (const origin of [
      'http://evil.example',
      'null',
      `https://127.0.0.1:${port}`,
      `http://127.0.0.1:${port + 1}`,
      `http://127.0.0.1:${port}.evil.example`,
    ]) {
      expect(outcome(await ask('/api/entries', { headers: { cookie, origin } })), `GET from ${origin}`).toEqual(refused);
      const replay = await ask('/api/entries/1/replay', {
        method: 'POST',
        headers: { cookie, origin, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(outcome(replay), `POST from ${origin}`).toEqual(refused);
    }
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      expect((await ask('/api/entries', { headers: { cookie, origin } })).status, `from ${origin}`).toBe(200);
    }
  });

  it('puts the security headers on every answer (200, 303, 403, 404, 409, the live feed) and never a CORS one', async () => {
    const { ask, token, cookie, port } = await inspector();
    const answers: Record<string, Answer> = {
      'the redirect': await ask(`/?token=${token}`),
      'the page': await ask('/', { headers: { cookie } }),
      'the script': await ask('/app.js', { headers: { cookie } }),
      'the list': await ask('/api/entries', { headers: { cookie } }),
      'the live feed': await ask('/api/events', { headers: { cookie } }),
      'no token': await ask('/api/entries'),
      'a foreign Host': await ask(`/?token=${token}`, { headers: { host: `evil.example:${port}` } }),
      'a preflight from a foreign Origin': await ask('/api/entries/1/replay', {
        method: 'OPTIONS',
        headers: { cookie, origin: 'http://evil.example', 'access-control-request-method': 'POST' },
      }),
      'no such request': await ask('/api/entries/99', { headers: { cookie } }),
      'no such route': await ask('/no-such-route', { headers: { cookie } }),
      'a replay with no listener': await ask('/api/entries/1/replay', {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: '{}',
      }),
    };
    expect(Object.values(answers).map((answer) => answer.status)).toEqual([303, 200, 200, 200, 200, 403, 403, 403, 404, 404, 409]);
    expect(answers['the live feed']?.headers['content-type']).toBe('text/event-stream');
    for (const [what, answer] of Object.entries(answers)) {
      const security = Object.fromEntries(Object.keys(SECURITY_HEADERS).map((name) => [name, answer.headers[name]]));
      expect(security, what).toEqual(SECURITY_HEADERS);
      expect(
        Object.keys(answer.headers).filter((name) => name.startsWith('access-control-')),
        what,
      ).toEqual([]);
    }
  });

  it('serves the built page from memory: index.html and app.css as written, app.ts compiled to a classic script', async () => {
    const { ask, cookie } = await inspector();
    const built = JSON.parse(await readFile(PAGE_ASSETS_FILE, 'utf8')) as { js: string };
    const expected = [
      { path: '/', type: 'text/html; charset=utf-8', bytes: await readFile(new URL('index.html', PAGE_SOURCES)) },
      { path: '/app.css', type: 'text/css; charset=utf-8', bytes: await readFile(new URL('app.css', PAGE_SOURCES)) },
      { path: '/app.js', type: 'text/javascript; charset=utf-8', bytes: Buffer.from(built.js) },
    ];
    for (const { path, type, bytes } of expected) {
      const answer = await ask(path, { headers: { cookie } });
      expect(answer.headers['content-type'], path).toBe(type);
      expect(answer.body.equals(bytes), `${path}: ${STALE}`).toBe(true);
    }
    const html = (await ask('/', { headers: { cookie } })).body.toString();
    // The CSP allows scripts and styles from the inspector's own files only: nothing inline.
    expect(html.match(/<script[^>]*>[^<]*<\/script>/g)).toEqual(['<script src="/app.js"></script>']);
    expect(html).toContain('<link rel="stylesheet" href="/app.css">');
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    // index.html loads it without type="module": an import or export left by the compiler would not run.
    const script = (await ask('/app.js', { headers: { cookie } })).body.toString();
    expect(() => new Script(script)).not.toThrow();
    expect(script.startsWith('"use strict";')).toBe(true);
    expect(script).toContain("new EventSource('/api/events')");
  });

  it('answers its API in the shapes the page reads (src/inspector/entry.ts), replay off without a listener', async () => {
    const { ask, cookie, store } = await inspector();
    const raw = '{"meta":{"messageId":"m-1","type":"patient.admit"},"payload":{"patientId":"p-1"}}';
    addCapture(store, raw);
    const list = JSON.parse((await ask('/api/entries', { headers: { cookie } })).body.toString()) as EntriesAnswer;
    expect(Object.keys(list).sort()).toEqual(['entries', 'received', 'replay']);
    expect(list).toMatchObject({ received: 1, replay: false, entries: [{ id: 1, kind: 'message', messageId: 'm-1', patientId: 'p-1' }] });
    const one = JSON.parse((await ask('/api/entries/1', { headers: { cookie } })).body.toString()) as EntryAnswer;
    expect(Object.keys(one).sort()).toEqual(['attempts', 'body', 'entry']);
    expect(one.body).toBe(raw);
    expect(one.attempts.map((attempt) => attempt.id)).toEqual([1]);
    const replay = await ask('/api/entries/1/replay', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(replay.status).toBe(409);
    expect(Object.keys(JSON.parse(replay.body.toString()) as ErrorAnswer)).toEqual(['error']);
  });
});
