import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyRequest } from 'fastify';
import { MwError } from '../errors.js';
import { listenOn } from '../http/listen-on.js';
import { WEBHOOK_USER_AGENT } from '../metriport/types.js';
import { sameSecret } from '../util/secret.js';
import type { PostResult } from '../webhook/deliver.js';
import { SIGNATURE_HEADER, sign } from '../webhook/signature.js';
import type { AppResponse, EntriesAnswer, Entry, EntryAnswer, ErrorAnswer, ReplayAnswer } from './entry.js';
import { startFeed } from './feed.js';
import { createFlowReader, type FlowStarts } from './flows.js';
import type { InspectorStore } from './inspector-store.js';
import { readPageAssets } from './page-assets.js';

/** The listener replays go through: its own URL, the key it verifies with, and a signed send to it. */
export interface ReplayTarget {
  readonly localUrl: string;
  webhookKey(): string | undefined;
  replay(body: Buffer): Promise<PostResult>;
}

export interface InspectorOptions {
  /** Always loopback: the inspector shows PHI and must never be reachable through a tunnel. */
  port: number;
  /** When `port` is taken, take a free one instead of failing (the default port, not one the user chose). */
  fallbackToFreePort: boolean;
  store: InspectorStore;
  /** The listener replays go through (`listen`); absent: replay is off (`inspect` over capture files). */
  replay?: ReplayTarget | undefined;
  /** Who can tell the API call that started a flow (`listen --emulator`: its emulator); absent: flows start at their first message. */
  flowStarts?: FlowStarts | undefined;
}

export interface RunningInspector {
  /** The URL to open, with the session's token in its fragment (`/#token=…`). */
  url: string;
  port: number;
  /** The port asked for was taken and another was picked. */
  fellBack: boolean;
  close(): Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'cross-origin-resource-policy': 'same-origin',
};
/** An SSE client this far behind is dropped: a slow or sleeping tab must never hold memory or the receiver. */
const MAX_PENDING_EVENT_BYTES = 1024 * 1024;
/**
 * The routes served without the token: the page itself and its icon, which hold no PHI (it shows nothing until its API
 * calls succeed, and says how to get in when they do not). Matched on the route Fastify picked, never on the
 * raw URL, so no spelling of an API path (`/%61pi/…`) can pass for one of these.
 */
const PUBLIC_ROUTES = new Set(['/', '/app.js', '/app.css', '/favicon.svg']);
const BEARER = 'bearer ';

/**
 * The local web inspector: its own loopback listener (never the tunnel's), Host and Origin checked against DNS
 * rebinding, no CORS, a strict CSP, nothing from the internet. Its API answers only requests that carry the
 * session's token in an `Authorization: Bearer` header. That credential is never a cookie: a browser sends a
 * cookie for 127.0.0.1 to every port of it, so any local dev server the user opened would receive it (and a
 * second inspector's would replace the first's). The page gets the token from the printed URL's fragment
 * (`#token=…`, which browsers never send to a server), keeps it in its own tab (sessionStorage is per origin,
 * port included) and takes it out of the address bar and history at once.
 */
export async function startInspector(options: InspectorOptions): Promise<RunningInspector> {
  const page = await readPageAssets();
  const flows = createFlowReader({
    members: (keys) => options.store.flowMembers(keys),
    get: (id) => options.store.get(id),
    starts: options.flowStarts,
  });
  const token = randomBytes(24).toString('base64url');
  const app = Fastify({
    logger: false,
    bodyLimit: 70 * 1024 * 1024,
    // A URL Fastify cannot decode (`/%`) is answered here, before any hook runs: nothing of the framework in
    // it, the same headers as every other answer.
    frameworkErrors: (error, _request, reply) => {
      reply.raw.writeHead(error.statusCode === 414 ? 414 : 400, { ...SECURITY_HEADERS, 'content-length': '0' });
      reply.raw.end();
    },
  });
  let port = options.port;
  const allowedHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`];

  app.addHook('onRequest', (request, reply, done) => {
    void reply.headers(SECURITY_HEADERS);
    const host = request.headers.host ?? '';
    const origin = request.headers.origin;
    const hostOk = allowedHosts().includes(host);
    const originOk = origin === undefined || allowedHosts().some((allowed) => origin === `http://${allowed}`);
    const route = request.routeOptions.url;
    const open = route !== undefined && PUBLIC_ROUTES.has(route) && (request.method === 'GET' || request.method === 'HEAD');
    if (!hostOk || !originOk || !(open || bearerOk(request.headers.authorization, token))) {
      void reply.code(403).send();
      return;
    }
    done();
  });
  // Past the checks: an unknown route or a request the framework refuses (bad JSON, wrong content type) gets
  // a sentence for the page, never Fastify's own answer naming its error codes.
  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send(errorAnswer('no such route')));
  app.setErrorHandler(async (error: FastifyError, _request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    return reply.code(status).send(errorAnswer(status === 500 ? 'the inspector failed to answer' : 'the request could not be read'));
  });

  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page.html));
  app.get('/app.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(page.js));
  app.get('/app.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(page.css));
  app.get('/favicon.svg', async (_request, reply) => reply.type('image/svg+xml').send(page.icon));
  app.get('/api/entries', async () => {
    const entries = options.store.list();
    return {
      entries,
      received: options.store.received(),
      replay: options.replay !== undefined,
      flows: flows.summaries(entries.map((entry) => entry.flow)),
    } satisfies EntriesAnswer;
  });
  app.get('/api/entries/:id', async (request, reply) => {
    const entry = entryOf(options.store, request);
    if (entry === undefined) return reply.code(404).send(errorAnswer('no such request'));
    const body = options.store.body(entry.id);
    const app: AppResponse | undefined = options.store.forward(entry.id);
    return {
      entry,
      body: body?.toString('utf8'),
      attempts: options.store.attempts(entry.id),
      app,
      flow: entry.flow === undefined ? undefined : flows.view(entry.flow),
    } satisfies EntryAnswer;
  });
  app.get('/api/entries/:id/raw', async (request, reply) => {
    const entry = entryOf(options.store, request);
    const body = entry === undefined ? undefined : options.store.body(entry.id);
    if (entry === undefined || body === undefined) return reply.code(404).send(errorAnswer('no body held for this request'));
    return reply.type('application/json').header('content-disposition', `attachment; filename="message-${entry.id}.json"`).send(body);
  });
  app.get('/api/entries/:id/curl', async (request, reply) => {
    const entry = entryOf(options.store, request);
    const body = entry === undefined ? undefined : options.store.body(entry.id);
    const key = options.replay?.webhookKey();
    if (entry === undefined || body === undefined || options.replay === undefined || key === undefined)
      return reply.code(404).send(errorAnswer('nothing to build a curl command from'));
    // A fresh signature over the exact bytes of the download (message-<id>.json): the key itself is never shown.
    const command = [
      `curl -sS -X POST '${options.replay.localUrl}'`,
      `-H 'content-type: application/json'`,
      `-H 'user-agent: ${WEBHOOK_USER_AGENT}'`,
      `-H '${SIGNATURE_HEADER}: ${sign(key, body)}'`,
      `--data-binary @message-${entry.id}.json`,
    ].join(' \\\n  ');
    return reply.type('text/plain; charset=utf-8').send(`${command}\n`);
  });
  app.post('/api/entries/:id/replay', async (request, reply) => {
    const entry = entryOf(options.store, request);
    const target = options.replay;
    if (target === undefined) return reply.code(409).send(errorAnswer('replay needs a running listener (not available in inspect mode)'));
    const edited = (request.body as { body?: unknown } | undefined)?.body;
    const body = typeof edited === 'string' ? Buffer.from(edited, 'utf8') : entry === undefined ? undefined : options.store.body(entry.id);
    if (body === undefined) return reply.code(404).send(errorAnswer('no body held for this request'));
    const result = await target.replay(body);
    return { status: result.status ?? null, ok: result.ok, detail: result.detail } satisfies ReplayAnswer;
  });
  app.get('/api/events', (request, reply) => {
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream', connection: 'keep-alive' });
    response.write(': connected\n\n');
    const feed = startFeed({
      store: options.store,
      flows: (entries) => flows.summaries(entries.map((entry) => entry.flow)),
      send(batch) {
        if (response.writableLength > MAX_PENDING_EVENT_BYTES) {
          response.destroy();
          return;
        }
        response.write(`data: ${JSON.stringify(batch)}\n\n`);
      },
    });
    request.raw.on('close', () => feed.stop());
  });

  let fellBack: boolean;
  try {
    ({ port, fellBack } = await listenOn(app, {
      host: '127.0.0.1',
      port: options.port,
      what: 'The inspector',
      fallbackToFreePort: options.fallbackToFreePort,
    }));
  } catch (error) {
    throw withInspectHint(error);
  }
  let closing: Promise<void> | undefined;
  return {
    // The fragment never leaves the browser: no server, log or Referer sees it; the page reads it and removes it.
    url: `http://127.0.0.1:${port}/#token=${token}`,
    port,
    fellBack,
    close: () =>
      (closing ??= (async () => {
        app.server.closeAllConnections();
        await app.close();
      })()),
  };
}

function entryOf(store: InspectorStore, request: FastifyRequest): Entry | undefined {
  const id = Number((request.params as { id?: string }).id);
  return Number.isInteger(id) ? store.get(id) : undefined;
}

/** The body of the API's 4xx answers: the page shows `error` as it is. */
function errorAnswer(error: string): ErrorAnswer {
  return { error };
}

/** `Authorization: Bearer <token>`, the token compared in constant time. */
function bearerOk(header: string | undefined, token: string): boolean {
  if (header === undefined || header.slice(0, BEARER.length).toLowerCase() !== BEARER) return false;
  return sameSecret(header.slice(BEARER.length).trim(), token);
}

function withInspectHint(error: unknown): unknown {
  if (!(error instanceof MwError && error.code === 'LISTEN_FAILED')) return error;
  return new MwError(error.message, {
    code: error.code,
    category: 'usage',
    hint: 'Pick another port with --inspect-port (0 picks a free one), or pass --no-inspect.',
    cause: error.cause,
  });
}
