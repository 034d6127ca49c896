import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyRequest } from 'fastify';
import { MwError } from '../errors.js';
import { listenOn } from '../http/listen-on.js';
import { WEBHOOK_USER_AGENT } from '../metriport/types.js';
import { sameSecret } from '../util/secret.js';
import type { PostResult } from '../webhook/deliver.js';
import { SIGNATURE_HEADER, sign } from '../webhook/signature.js';
import type { EntriesAnswer, Entry, EntryAnswer, ErrorAnswer, ReplayAnswer } from './entry.js';
import { startFeed } from './feed.js';
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
}

export interface RunningInspector {
  /** The URL to open, with the session's token. */
  url: string;
  port: number;
  /** The port asked for was taken and another was picked. */
  fellBack: boolean;
  close(): Promise<void>;
}

const COOKIE = 'mw_inspector';
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
 * The local web inspector: its own loopback listener (never the tunnel's), a per-session token (then a
 * cookie), Host and Origin checked against DNS rebinding, no CORS, a strict CSP, nothing from the internet.
 */
export async function startInspector(options: InspectorOptions): Promise<RunningInspector> {
  const page = await readPageAssets();
  const token = randomBytes(24).toString('base64url');
  const app = Fastify({ logger: false, bodyLimit: 70 * 1024 * 1024 });
  let port = options.port;
  const allowedHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`];

  app.addHook('onRequest', (request, reply, done) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) void reply.header(name, value);
    const host = request.headers.host ?? '';
    const origin = request.headers.origin;
    const hostOk = allowedHosts().includes(host);
    const originOk = origin === undefined || allowedHosts().some((allowed) => origin === `http://${allowed}`);
    const fromQuery =
      typeof (request.query as Record<string, unknown>)?.token === 'string'
        ? ((request.query as Record<string, string>).token as string)
        : undefined;
    const fromCookie = cookieOf(request.headers.cookie);
    const tokenOk =
      (fromQuery !== undefined && sameSecret(fromQuery, token)) || (fromCookie !== undefined && sameSecret(fromCookie, token));
    if (!hostOk || !originOk || !tokenOk) {
      void reply.code(403).send();
      return;
    }
    if (fromQuery !== undefined) {
      // The token moves to a cookie the page's own requests carry; the address bar loses it.
      void reply.header('set-cookie', `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
      if (request.method === 'GET' && request.url.split('?')[0] === '/') {
        void reply.redirect('/', 303);
        return;
      }
    }
    done();
  });

  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page.html));
  app.get('/app.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(page.js));
  app.get('/app.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(page.css));
  app.get('/api/entries', async () => {
    return {
      entries: options.store.list(),
      received: options.store.received(),
      replay: options.replay !== undefined,
    } satisfies EntriesAnswer;
  });
  app.get('/api/entries/:id', async (request, reply) => {
    const entry = entryOf(options.store, request);
    if (entry === undefined) return reply.code(404).send(errorAnswer('no such request'));
    const body = options.store.body(entry.id);
    return { entry, body: body?.toString('utf8'), attempts: options.store.attempts(entry.id) } satisfies EntryAnswer;
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
    url: `http://127.0.0.1:${port}/?token=${token}`,
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

function cookieOf(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === COOKIE) return rest.join('=');
  }
  return undefined;
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
