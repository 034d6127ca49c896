import { readFile } from 'node:fs/promises';
import { type IncomingHttpHeaders, request } from 'node:http';
import { Script } from 'node:vm';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { EntriesAnswer, EntryAnswer, ErrorAnswer, FeedBatch } from '../../src/inspector/entry.js';
import type { FlowStarts } from '../../src/inspector/flows.js';
import { startInspector } from '../../src/inspector/inspector-server.js';
import { createInspectorStore, type InspectorStore } from '../../src/inspector/inspector-store.js';
import { PAGE_ASSETS_FILE } from '../../src/inspector/page-assets.js';

// The inspector's rules (the token in an Authorization header for the API, never a cookie; Host and Origin;
// security headers; no CORS; no framework answers) checked on a real socket in-process, where the browser
// tests (test/browser) can only see what chromium shows.

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
/** The page: no PHI in it, so served without the token (still Host- and Origin-checked). */
const PAGE_ROUTES = ['/', '/app.js', '/app.css', '/favicon.svg'];
/** Everything else needs the token, including a route that does not exist and an API path spelled otherwise. */
const ROUTES = [
  '/api/entries',
  '/api/entries/1',
  '/api/entries/1/raw',
  '/api/entries/1/curl',
  '/api/events',
  '/no-such-route',
  '/%61pi/entries',
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
  /** The header the page sends with every API call. */
  auth: Record<string, string>;
  store: InspectorStore;
  ask(path: string, options?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Answer>;
}

async function inspector(options: { flowStarts?: FlowStarts } = {}): Promise<TestInspector> {
  const store = createInspectorStore();
  const running = await startInspector({ port: 0, fallbackToFreePort: false, store, flowStarts: options.flowStarts });
  onTestFinished(() => running.close());
  const printed = new URL(running.url);
  // The token travels in the fragment only, which browsers never send to a server.
  expect({ path: printed.pathname, search: printed.search }).toEqual({ path: '/', search: '' });
  const token = new URLSearchParams(printed.hash.slice(1)).get('token') ?? '';
  expect(token).toMatch(/^[\w-]{32}$/);
  const host = `127.0.0.1:${running.port}`;
  return {
    port: running.port,
    token,
    host,
    auth: { authorization: `Bearer ${token}` },
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
  it('answers 403 with an empty body on every API route without the header: a cookie, the query or a wrong header never open it', async () => {
    const { ask, token } = await inspector();
    for (const path of ROUTES) {
      expect(outcome(await ask(path)), `${path} with nothing`).toEqual(refused);
      const wrong: Record<string, Record<string, string>> = {
        'a one-character-off token': { authorization: `Bearer ${almost(token)}` },
        'an empty token': { authorization: 'Bearer ' },
        'the token without its scheme': { authorization: token },
        'the token as Basic': { authorization: `Basic ${token}` },
        'the token in another header': { 'x-inspector-token': token },
        // What the inspector used to take: a browser sends a 127.0.0.1 cookie to every port of it.
        'the token as a cookie': { cookie: `mw_inspector=${token}` },
      };
      for (const [what, headers] of Object.entries(wrong))
        expect(outcome(await ask(path, { headers })), `${path} with ${what}`).toEqual(refused);
      expect(outcome(await ask(`${path}?token=${token}`)), `${path} with the token in the query`).toEqual(refused);
    }
    const replay = await ask('/api/entries/1/replay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(outcome(replay)).toEqual(refused);
  });

  it('opens the API to the token in an Authorization header (any case of "Bearer"), and never sets a cookie', async () => {
    const { ask, token, auth } = await inspector();
    expect((await ask('/api/entries', { headers: auth })).status).toBe(200);
    expect((await ask('/api/entries', { headers: { authorization: `bearer ${token}` } })).status).toBe(200);
    expect((await ask('/%61pi/entries', { headers: auth })).status).toBe(200);
    expect((await ask('/api/entries/1', { headers: auth })).status).toBe(404);
    const feed = await ask('/api/events', { headers: auth });
    expect({ status: feed.status, type: feed.headers['content-type'], first: feed.body.toString() }).toEqual({
      status: 200,
      type: 'text/event-stream',
      first: ': connected\n\n',
    });
    for (const path of [...PAGE_ROUTES, ...ROUTES]) {
      for (const headers of [{}, auth]) expect((await ask(path, { headers })).headers['set-cookie'], path).toBeUndefined();
    }
  });

  it('serves the page itself (/, /app.js, /app.css, /favicon.svg: no PHI in them) without the token, and nothing else', async () => {
    const { ask, token } = await inspector();
    for (const path of PAGE_ROUTES) {
      const page = await ask(path);
      expect(page.status, path).toBe(200);
      expect(page.body.toString(), path).not.toContain(token);
    }
    // Only reading them: the same paths with another method need the token like the rest.
    expect(outcome(await ask('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }))).toEqual(refused);
  });

  it('refuses a foreign Host even with the token (DNS rebinding), the page included', async () => {
    const { ask, auth, port } = await inspector();
    for (const host of [`evil.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `localhost.evil.example:${port}`]) {
      for (const path of [...PAGE_ROUTES, '/api/entries']) {
        expect(outcome(await ask(path, { headers: { host, ...auth } })), `${path} with Host ${host}`).toEqual(refused);
      }
    }
    // The two names of the printed address are both its own.
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      expect((await ask('/api/entries', { headers: { host, ...auth } })).status, `Host ${host}`).toBe(200);
    }
  });

  it('refuses a request from a foreign Origin even with the token, and takes those from its own', async () => {
    const { ask, auth, port } = await inspector();
    for (const origin of [
      'http://evil.example',
      'null',
      `https://127.0.0.1:${port}`,
      `http://127.0.0.1:${port + 1}`,
      `http://127.0.0.1:${port}.evil.example`,
    ]) {
      expect(outcome(await ask('/api/entries', { headers: { ...auth, origin } })), `GET from ${origin}`).toEqual(refused);
      expect(outcome(await ask('/', { headers: { origin } })), `the page from ${origin}`).toEqual(refused);
      const replay = await ask('/api/entries/1/replay', {
        method: 'POST',
        headers: { ...auth, origin, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(outcome(replay), `POST from ${origin}`).toEqual(refused);
    }
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      expect((await ask('/api/entries', { headers: { ...auth, origin } })).status, `from ${origin}`).toBe(200);
    }
  });

  it('puts the security headers on every answer (200, 400, 403, 404, 409, 415, the live feed) and never a CORS one or a framework word', async () => {
    const { ask, auth, port } = await inspector();
    const answers: Record<string, Answer> = {
      'the page': await ask('/'),
      'the script': await ask('/app.js'),
      'the list': await ask('/api/entries', { headers: auth }),
      'the live feed': await ask('/api/events', { headers: auth }),
      'a malformed URL': await ask('/%'),
      'a malformed URL with the token': await ask('/api/%', { headers: auth }),
      'a malformed URL from a foreign Host': await ask('/%', { headers: { host: `evil.example:${port}` } }),
      'broken JSON to replay': await ask('/api/entries/1/replay', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: '{"body":',
      }),
      'no token': await ask('/api/entries'),
      'a foreign Host': await ask('/', { headers: { host: `evil.example:${port}` } }),
      'a preflight from a foreign Origin': await ask('/api/entries/1/replay', {
        method: 'OPTIONS',
        headers: {
          origin: 'http://evil.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization',
        },
      }),
      'no such request': await ask('/api/entries/99', { headers: auth }),
      'no such route': await ask('/no-such-route', { headers: auth }),
      'a replay with no listener': await ask('/api/entries/1/replay', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: '{}',
      }),
      'a replay in another content type': await ask('/api/entries/1/replay', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'text/xml' },
        body: '<x/>',
      }),
    };
    expect(Object.values(answers).map((answer) => answer.status)).toEqual([
      200, 200, 200, 200, 400, 400, 400, 400, 403, 403, 403, 404, 404, 409, 415,
    ]);
    expect(answers['the live feed']?.headers['content-type']).toBe('text/event-stream');
    for (const what of ['a malformed URL', 'a malformed URL with the token', 'a malformed URL from a foreign Host'])
      expect(answers[what]?.body.toString(), what).toBe('');
    for (const [what, answer] of Object.entries(answers)) {
      const security = Object.fromEntries(Object.keys(SECURITY_HEADERS).map((name) => [name, answer.headers[name]]));
      expect(security, what).toEqual(SECURITY_HEADERS);
      expect(
        Object.keys(answer.headers).filter((name) => name.startsWith('access-control-')),
        what,
      ).toEqual([]);
      if (answer.status >= 400) expect(answer.body.toString(), what).not.toMatch(/fastify|FST_|statusCode|"Bad Request"/i);
    }
  });

  it('serves the built page from memory: index.html, app.css and favicon.svg as written, app.ts compiled to a classic script', async () => {
    const { ask } = await inspector();
    const built = JSON.parse(await readFile(PAGE_ASSETS_FILE, 'utf8')) as { js: string };
    const expected = [
      { path: '/', type: 'text/html; charset=utf-8', bytes: await readFile(new URL('index.html', PAGE_SOURCES)) },
      { path: '/app.css', type: 'text/css; charset=utf-8', bytes: await readFile(new URL('app.css', PAGE_SOURCES)) },
      { path: '/favicon.svg', type: 'image/svg+xml', bytes: await readFile(new URL('favicon.svg', PAGE_SOURCES)) },
      { path: '/app.js', type: 'text/javascript; charset=utf-8', bytes: Buffer.from(built.js) },
    ];
    for (const { path, type, bytes } of expected) {
      const answer = await ask(path);
      expect(answer.headers['content-type'], path).toBe(type);
      expect(answer.body.equals(bytes), `${path}: ${STALE}`).toBe(true);
    }
    const html = (await ask('/')).body.toString();
    // The CSP allows scripts and styles from the inspector's own files only: nothing inline.
    expect(html.match(/<script[^>]*>[^<]*<\/script>/g)).toEqual(['<script src="/app.js"></script>']);
    expect(html).toContain('<link rel="stylesheet" href="/app.css">');
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    // index.html loads it without type="module": an import or export left by the compiler would not run.
    const script = (await ask('/app.js')).body.toString();
    expect(() => new Script(script)).not.toThrow();
    expect(script.startsWith('"use strict";')).toBe(true);
    // The live feed is read with fetch (which sends the header), never EventSource (which cannot); no cookie.
    expect(script).toContain("api('/api/events'");
    expect(script).not.toMatch(/new EventSource|document\.cookie/);
  });

  it('answers its API in the shapes the page reads (src/inspector/entry.ts), replay off without a listener', async () => {
    const { ask, auth, store } = await inspector();
    const raw = '{"meta":{"messageId":"m-1","type":"patient.admit"},"payload":{"patientId":"p-1"}}';
    addCapture(store, raw);
    const list = JSON.parse((await ask('/api/entries', { headers: auth })).body.toString()) as EntriesAnswer;
    expect(Object.keys(list).sort()).toEqual(['entries', 'flows', 'received', 'replay']);
    expect(list).toMatchObject({ received: 1, replay: false, entries: [{ id: 1, kind: 'message', messageId: 'm-1', patientId: 'p-1' }] });
    const one = JSON.parse((await ask('/api/entries/1', { headers: auth })).body.toString()) as EntryAnswer;
    expect(Object.keys(one).sort()).toEqual(['attempts', 'body', 'entry']);
    expect(one.entry.failed).toBe(false);
    expect(one.body).toBe(raw);
    expect(one.attempts.map((attempt) => attempt.id)).toEqual([1]);
    const replay = await ask('/api/entries/1/replay', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(replay.status).toBe(409);
    expect(Object.keys(JSON.parse(replay.body.toString()) as ErrorAnswer)).toEqual(['error']);
  });

  it('ties the messages of one requestId into a flow, headed by the call that started it, in the list, the detail and the live feed', async () => {
    const startedAt = new Date(Date.UTC(2026, 10, 29, 12, 0, 0));
    const { ask, auth, store, port } = await inspector({
      flowStarts: {
        startOf: (requestId) =>
          requestId === 'q-1'
            ? { flow: 'document-query', call: 'POST /medical/v1/document/query', at: startedAt.toISOString(), patientId: 'p-1' }
            : undefined,
      },
    });
    const deliver = (type: string, afterMs: number) => {
      const payload = {
        meta: { messageId: `m-${type}`, requestId: 'q-1', type },
        patients: [{ patientId: 'p-1', status: 'completed', documents: [{}] }],
      };
      const message = {
        receivedAt: new Date(startedAt.getTime() + afterMs),
        type,
        messageId: payload.meta.messageId,
        when: undefined,
        verifiedBy: 'signature' as const,
        raw: Buffer.from(JSON.stringify(payload)),
        payload,
        headers: {},
      };
      store.write({ type: 'message', message, outcome: { status: 200, storedAs: undefined, forward: undefined } });
    };
    // The live feed, read as the page reads it (fetch sends the header; EventSource could not).
    const stopFeed = new AbortController();
    onTestFinished(() => stopFeed.abort());
    const feed = await fetch(`http://127.0.0.1:${port}/api/events`, { headers: auth, signal: stopFeed.signal });
    const reader = (feed.body as ReadableStream).pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    const nextBatch = async (): Promise<FeedBatch> => {
      for (;;) {
        const event = /data: (.*)\n\n/.exec(buffered);
        if (event !== null) {
          buffered = buffered.slice(event.index + event[0].length);
          return JSON.parse(event[1] ?? '') as FeedBatch;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('the feed ended');
        buffered += value;
      }
    };

    deliver('medical.document-conversion', 1500);
    const first = await nextBatch();
    expect(first.entries.map((entry) => [entry.requestId, entry.flow])).toEqual([['q-1', 'q-1']]);
    expect(first.flows).toMatchObject([
      {
        key: 'q-1',
        kind: 'document-query',
        state: 'waiting',
        waitingFor: ['medical.document-download'],
        messages: 1,
        spanMs: 1500,
        startedBy: { call: 'POST /medical/v1/document/query', offsetMs: 0 },
      },
    ]);
    // The download completes it: the list (and the next batch) say so.
    deliver('medical.document-download', 4000);
    const list = JSON.parse((await ask('/api/entries', { headers: auth })).body.toString()) as EntriesAnswer;
    expect(list.flows).toMatchObject([{ key: 'q-1', state: 'complete', waitingFor: [], messages: 2, spanMs: 4000 }]);
    const one = JSON.parse((await ask('/api/entries/2', { headers: auth })).body.toString()) as EntryAnswer;
    expect(one.flow?.startedBy?.at).toBe(startedAt.toISOString());
    expect(one.flow?.steps.map((step) => [step.entry.type, step.offsetMs])).toEqual([
      ['medical.document-conversion', 1500],
      ['medical.document-download', 4000],
    ]);
  });
});
