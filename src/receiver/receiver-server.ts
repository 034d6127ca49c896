import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { type Duplex, Transform } from 'node:stream';
import Fastify, { type FastifyError } from 'fastify';
import { listenOn } from '../http/listen-on.js';
import { isLoopback } from '../util/loopback.js';
import { LEGACY_KEY_HEADER, SIGNATURE_HEADER } from '../webhook/signature.js';
import type { Receiver, ReceiverReply, Sender } from './receiver.js';

/**
 * What a public server needs so that no client can hold it, or its shutdown, for ever. Defaults below;
 * SECURITY.md states each and how it is tested.
 */
export interface ReceiverLimits {
  /** A request's headers must be complete within this. */
  headersTimeoutMs: number;
  /** A request, body included, must be complete within this. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** On shutdown, requests still arriving after this are cut off (complete ones are answered first). */
  shutdownDeadlineMs: number;
  /** Bytes held at once for bodies not yet verified; beyond it a request gets 503 before its body is read. */
  unverifiedBytes: number;
}

export const DEFAULT_LIMITS: Omit<ReceiverLimits, 'unverifiedBytes'> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  shutdownDeadlineMs: 5_000,
};

/** Two budgets, so a flood of big bodies cannot starve small ones such as Metriport's ping. */
const SMALL_BODY_BYTES = 64 * 1024;
const SMALL_BODIES_BUDGET = 16 * 1024 * 1024;

/** Bytes held for bodies not yet verified, over all connections. */
export function unverifiedBudgetFor(maxBodyBytes: number): number {
  return Math.max(2 * maxBodyBytes, 32 * 1024 * 1024);
}

export interface ReceiverServerOptions {
  /** Interface to bind; loopback by default so PHI never reaches the network without a tunnel. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The webhook path, e.g. `/webhook`. */
  path: string;
  /** Largest body accepted, in bytes. */
  maxBodyBytes: number;
  receiver: Receiver;
  /** Told about errors that are the tool's own fault (answered 500 with no body). */
  onInternalError: (error: Error) => void;
  /** Defaults: DEFAULT_LIMITS, and `unverifiedBudgetFor(maxBodyBytes)`. */
  limits?: Partial<ReceiverLimits>;
}

export interface ReceiverServer {
  /** The local URL of the webhook path. */
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish, then resolves. Idempotent. */
  close(): Promise<void>;
}

const OTHER_METHODS = ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/**
 * The HTTP adapter. POSTs to the webhook path are answered by `deliveries` straight on Node's server (the one
 * hot route: Fastify's routing, hooks and reply cost more than verifying a message; BENCHMARKS.md); every
 * other request, and any spelling of the path only Fastify's router recognises, goes to Fastify, which
 * answers 404, 405 and the rest. Both paths share the limits, the byte budget, the connection book and the
 * drain on shutdown, and the hardening tests run against both.
 */
export async function startReceiverServer(options: ReceiverServerOptions): Promise<ReceiverServer> {
  const { receiver, path } = options;
  const limits: ReceiverLimits = { ...DEFAULT_LIMITS, unverifiedBytes: unverifiedBudgetFor(options.maxBodyBytes), ...options.limits };
  const connections = createConnectionBook();
  const budget = createByteBudget({ large: limits.unverifiedBytes, small: SMALL_BODIES_BUDGET });

  // Fastify's close() resolves without waiting for requests whose body is still arriving, so in-flight
  // requests are counted here and close() waits for them: an acknowledged message must never be cut off.
  let inFlight = 0;
  let onDrained: (() => void) | undefined;
  const settle = () => {
    inFlight -= 1;
    if (inFlight === 0) onDrained?.();
  };
  let closingDown = false;
  const drained = () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (onDrained = resolve)));
  const deliveries = createDeliveryRoute({
    receiver,
    maxBodyBytes: options.maxBodyBytes,
    limits,
    budget,
    connections,
    onInternalError: options.onInternalError,
    closingDown: () => closingDown,
    settle,
  });
  const hotPath = `${path}?`;

  // return503OnClosing off: requests on a connection that is still open while we close are answered normally
  // (and that connection is then closed), rather than with a framework-made 503.
  const app = Fastify({
    logger: false,
    bodyLimit: options.maxBodyBytes,
    exposeHeadRoutes: false,
    return503OnClosing: false,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    clientErrorHandler: (error, socket) => connections.onClientError(error, socket),
    // Node checks request and header deadlines on this interval (30 s by default): check often enough to keep them.
    serverFactory: (fastifyHandler) =>
      createServer(
        {
          headersTimeout: limits.headersTimeoutMs,
          requestTimeout: limits.requestTimeoutMs,
          keepAliveTimeout: limits.keepAliveTimeoutMs,
          connectionsCheckingInterval: Math.max(100, Math.min(1000, limits.headersTimeoutMs / 4)),
        },
        (request, response) => {
          const url = request.url ?? '';
          if (request.method === 'POST' && (url === path || url.startsWith(hotPath))) {
            inFlight += 1;
            deliveries(request, response);
          } else {
            fastifyHandler(request, response);
          }
        },
      ),
  });

  // Verification needs the bytes exactly as sent, so no parser may touch them, whatever the content-type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  // Callback-style hooks: they run on every request Fastify answers, and async ones cost a promise each.
  app.addHook('onRequest', (request, reply, done) => {
    inFlight += 1;
    reply.raw.once('close', settle);
    const connection = connections.begin(request.raw.socket, request.headers.connection);
    reply.raw.once('close', () => connections.finished(connection, reply.raw.shouldKeepAlive));
    // Nothing without a credential is worth reading: refuse it before its body costs memory or time.
    if (request.method === 'POST' && request.routeOptions.url === path && !hasCredential(request.headers)) {
      receiver.noteUnverified('header-missing', senderOf(request.raw));
      void reply.code(401).header('connection', 'close').send();
      return;
    }
    done();
  });
  // Every body is held in memory until verified: the bytes held at once are bounded, and a request that would
  // pass the bound gets 503 (Metriport counts it failed, retry resends it) before it is read.
  app.addHook('preParsing', (request, reply, payload, done) => {
    const declared = declaredLength(request.headers);
    const pool = poolFor(declared);
    let held = 0;
    const take = (bytes: number) => {
      if (!budget.take(pool, bytes)) return false;
      held += bytes;
      return true;
    };
    reply.raw.once('close', () => budget.give(pool, held));
    // Over --max-body: Fastify answers 413 without reading it.
    if (declared !== undefined && declared > options.maxBodyBytes) return done(null, payload);
    if (declared !== undefined) {
      if (!take(declared)) return done(overBudget());
      return done(null, payload);
    }
    // Chunked: counted as it arrives.
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, next) {
        if (!take(chunk.length)) return next(overBudget());
        next(null, chunk);
      },
    });
    payload.on('error', (error) => counted.destroy(error));
    done(null, payload.pipe(counted));
  });
  // Answers given while closing end their connection, otherwise a keep-alive socket would hold close() open.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (closingDown) reply.header('connection', 'close');
    connections.onAnswer(request.raw.socket);
    done(null, payload);
  });

  // The same path in a spelling only the router recognises (percent-encoded, say): answered as on the hot route.
  app.post(path, async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const answer = await receiver.handle({ headers: request.headers, body, from: senderOf(request.raw) });
    reply.code(answer.status);
    return answer.body === undefined ? reply.send() : reply.send(answer.body);
  });

  app.route({
    method: [...OTHER_METHODS],
    url: path,
    handler: async (request, reply) => {
      receiver.noteRejected(405, { reason: 'method', method: request.method, path }, senderOf(request.raw));
      return reply.code(405).header('allow', 'POST').header('connection', 'close').send();
    },
  });

  app.setNotFoundHandler(async (_request, reply) => reply.code(404).header('connection', 'close').send());

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 503 && error.code === OVER_BUDGET) {
      receiver.noteRejected(503, { reason: 'busy', limitBytes: limits.unverifiedBytes }, senderOf(request.raw));
      return reply.code(503).header('connection', 'close').header('retry-after', '1').send();
    }
    if (status === 413) {
      receiver.noteRejected(413, { reason: 'too-large', limitBytes: options.maxBodyBytes }, senderOf(request.raw));
      return reply.code(413).header('connection', 'close').send();
    }
    if (status >= 400 && status < 500) {
      if (request.routeOptions.url === path)
        receiver.noteRejected(status, { reason: 'unreadable', detail: error.message }, senderOf(request.raw));
      return reply.code(status).header('connection', 'close').send();
    }
    options.onInternalError(error);
    return reply.code(500).send();
  });

  const { port, origin } = await listenOn(app, { host: options.host, port: options.port, what: 'The receiver' });
  let closing: Promise<void> | undefined;
  // Stops accepting and drains; whatever is still arriving after the deadline is cut off, so a client that
  // trickles a body can never keep the URL from being restored.
  const close = async () => {
    closingDown = true;
    const stopped = app.close();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), limits.shutdownDeadlineMs);
    });
    const outcome = await Promise.race([drained().then(() => 'drained' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'deadline') app.server.closeAllConnections();
    await stopped;
  };
  return {
    url: `${origin}${path}`,
    port,
    close: () => (closing ??= close()),
  };
}

type ByteBudget = ReturnType<typeof createByteBudget>;
type ConnectionBook = ReturnType<typeof createConnectionBook>;

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * POST to the webhook path on Node's own request and response: the same checks, in the same order, as the
 * Fastify hooks and error handler above (credential before the body, --max-body, the byte budget, then the
 * receiver), with the answers Fastify gives, minus its per-request machinery.
 */
function createDeliveryRoute(input: {
  receiver: Receiver;
  maxBodyBytes: number;
  limits: ReceiverLimits;
  budget: ByteBudget;
  connections: ConnectionBook;
  onInternalError: (error: Error) => void;
  closingDown: () => boolean;
  /** Called once per request when its response closes (the in-flight count). */
  settle: () => void;
}) {
  const { receiver, maxBodyBytes, limits, budget, connections, onInternalError, closingDown, settle } = input;
  // The usual answer ({ received: true }) is one shared object: its text is made once, not per request.
  let lastBody: Record<string, unknown> | undefined;
  let lastText = '';

  /**
   * Writes one answer, unless the client has gone. A refusal before the body was read (`early`) ends its
   * connection (see the book); the receiver's answers, given once the body is in, keep it.
   */
  const answer = (request: IncomingMessage, response: ServerResponse, reply: ReceiverReply, early = false, extra?: readonly string[]) => {
    if (response.destroyed || response.headersSent) return;
    connections.onAnswer(request.socket);
    const headers: string[] = early || closingDown() ? ['connection', 'close'] : [];
    if (extra !== undefined) headers.push(...extra);
    if (reply.body === undefined) {
      headers.push('content-length', '0');
      response.writeHead(reply.status, headers);
      response.end();
      return;
    }
    if (reply.body !== lastBody) {
      lastBody = reply.body;
      lastText = JSON.stringify(reply.body);
    }
    const text = lastText;
    headers.push('content-type', JSON_CONTENT_TYPE, 'content-length', String(Buffer.byteLength(text)));
    response.writeHead(reply.status, headers);
    response.end(text);
  };

  /**
   * Answers decided in this turn of the event loop go out together at its end (they are stored and shown
   * already). On a VM, each answer written alone wakes the sender's idle CPU, and that wake-up cost more
   * than the rest of the answer (BENCHMARKS.md, profile); written back to back, one wake-up serves many.
   */
  let waiting: Array<{ request: IncomingMessage; response: ServerResponse; reply: ReceiverReply }> = [];
  const answerWaiting = () => {
    const now = waiting;
    waiting = [];
    for (const { request, response, reply } of now) answer(request, response, reply);
  };
  const answerAfterThisTurn = (request: IncomingMessage, response: ServerResponse, reply: ReceiverReply) => {
    if (waiting.push({ request, response, reply }) === 1) setImmediate(answerWaiting);
  };

  return (request: IncomingMessage, response: ServerResponse) => {
    const { headers } = request;
    const connection = connections.begin(request.socket, headers.connection);
    const declared = declaredLength(headers);
    const pool = poolFor(declared);
    let held = 0;
    // One listener for everything a request holds (it runs on every request: one closure, not three).
    response.on('close', () => {
      settle();
      budget.give(pool, held);
      connections.finished(connection, response.shouldKeepAlive);
    });
    if (!hasCredential(headers)) {
      receiver.noteUnverified('header-missing', senderOf(request));
      answer(request, response, { status: 401 }, true);
      return;
    }
    if (declared !== undefined && declared > maxBodyBytes) {
      receiver.noteRejected(413, { reason: 'too-large', limitBytes: maxBodyBytes }, senderOf(request));
      answer(request, response, { status: 413 }, true);
      return;
    }
    const busy = () => {
      receiver.noteRejected(503, { reason: 'busy', limitBytes: limits.unverifiedBytes }, senderOf(request));
      answer(request, response, { status: 503 }, true, ['retry-after', '1']);
    };
    if (declared !== undefined) {
      if (!budget.take(pool, declared)) return busy();
      held = declared;
    }

    const chunks: Buffer[] = [];
    let received = 0;
    // Once refused, the rest of the body is dropped as it arrives; the connection closes after the answer.
    let refused = false;
    const failed = (error: unknown) => {
      onInternalError(error instanceof Error ? error : new Error(String(error)));
      answer(request, response, { status: 500 });
    };
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      received += chunk.length;
      if (declared === undefined) {
        if (received > maxBodyBytes) {
          refused = true;
          receiver.noteRejected(413, { reason: 'too-large', limitBytes: maxBodyBytes }, senderOf(request));
          answer(request, response, { status: 413 }, true);
          return;
        }
        if (!budget.take(pool, chunk.length)) {
          refused = true;
          busy();
          return;
        }
        held += chunk.length;
      }
      chunks.push(chunk);
    });
    // 'error' and 'end' come at most once each, and one excludes the other: plain listeners, no `once` wrappers.
    request.on('error', (error) => {
      if (refused) return;
      refused = true;
      receiver.noteRejected(400, { reason: 'unreadable', detail: error.message }, senderOf(request));
      answer(request, response, { status: 400 }, true);
    });
    request.on('end', () => {
      if (refused) return;
      // Whatever the socket does after this (a reset while the answer is on its way) is no refusal.
      refused = true;
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received);
      let reply: ReceiverReply | Promise<ReceiverReply>;
      try {
        reply = receiver.handle({ headers, body, from: senderOf(request) });
      } catch (error) {
        failed(error);
        return;
      }
      if (reply instanceof Promise) reply.then((settled) => answer(request, response, settled), failed);
      else answerAfterThisTurn(request, response, reply);
    });
  };
}

function hasCredential(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  return headers[SIGNATURE_HEADER] !== undefined || headers[LEGACY_KEY_HEADER] !== undefined;
}

/** The body length a request announces, when it announces a usable one (not when chunked). */
function declaredLength(headers: Readonly<Record<string, string | string[] | undefined>>): number | undefined {
  const header = headers['content-length'];
  if (header === undefined) return undefined;
  const declared = Number(header);
  return Number.isFinite(declared) && declared >= 0 ? declared : undefined;
}

const poolFor = (declared: number | undefined): 'small' | 'large' =>
  declared !== undefined && declared <= SMALL_BODY_BYTES ? 'small' : 'large';

const OVER_BUDGET = 'MW_UNVERIFIED_BYTES';

/**
 * Who sent a request. A tunnel (ngrok, cloudflared) connects from this machine and names the real sender in
 * X-Forwarded-For; that header is believed only from a loopback peer.
 */
function senderOf(request: IncomingMessage): Sender {
  const { headers } = request;
  const peer = request.socket.remoteAddress;
  const forwarded = headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  const loopback = peer !== undefined && isLoopback(peer);
  const userAgent = headers['user-agent'];
  return { address: loopback && first ? first : peer, userAgent: Array.isArray(userAgent) ? userAgent[0] : userAgent, headers };
}

function overBudget(): Error {
  return Object.assign(new Error('too many unverified bytes held'), { statusCode: 503, code: OVER_BUDGET });
}

/** Bytes held per pool; `take` refuses what would pass the pool's bound. */
function createByteBudget(bounds: { large: number; small: number }) {
  const held = { large: 0, small: 0 };
  return {
    take(pool: 'large' | 'small', bytes: number): boolean {
      if (held[pool] + bytes > bounds[pool]) return false;
      held[pool] += bytes;
      return true;
    },
    give(pool: 'large' | 'small', bytes: number): void {
      held[pool] -= bytes;
    },
  };
}

/** Bytes read and dropped after a refusal's answer before the connection is cut; see `createConnectionBook`. */
const DRAIN_LIMIT_BYTES = 4 * 1024 * 1024;
/** How long a closing connection may keep sending before it is cut. */
const DRAIN_LIMIT_MS = 5000;

/**
 * Every request gets exactly one well-formed answer, also when it is refused before its body is read.
 *
 * Node's client sends the body of a GET, DELETE, HEAD or OPTIONS without any framing when the caller sets no
 * length, even on a keep-alive connection. Those bytes then parse as a second, broken request: Fastify's
 * default answered it with a 400 glued after (or instead of) the 404/405 on its way, and the client read
 * garbage on its next request over that connection ("Parse Error: Data after Connection: close").
 *
 * The choice: a refusal (404, 405, 413, unreadable request) is answered with `Connection: close`, so no
 * client reuses that connection, and anything parsed after it is never answered. The connection is then
 * closed gently: our side is shut after the answer, and the client's remaining bytes are read and dropped,
 * up to DRAIN_LIMIT_BYTES and DRAIN_LIMIT_MS, before the socket is destroyed. Closing at once instead would
 * reset a client still writing its body, and a reset can discard the answer before the client reads it.
 * Accepted requests keep their keep-alive connection as before.
 */
function createConnectionBook() {
  interface Connection {
    /** Answers started on this connection and not yet finished. */
    pending: number;
    /** A request on it has had its answer written (or begun): a 408 may not follow it. */
    answered: boolean;
    /** A request or an answer said `Connection: close`: nothing more may be written after it. */
    closing: boolean;
    /** A parse error that waits for the pending answers. */
    afterPending?: () => void;
  }
  const book = new WeakMap<Duplex, Connection>();
  const of = (socket: Duplex) => {
    let connection = book.get(socket);
    if (connection === undefined) {
      connection = { pending: 0, answered: false, closing: false };
      book.set(socket, connection);
      lingerOnClose(socket);
    }
    return connection;
  };
  const refuse = (error: NodeJS.ErrnoException, socket: Duplex, connection: Connection) => {
    if (socket.destroyed) return;
    if (connection.closing || !socket.writable) {
      closeGently(socket);
      return;
    }
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    connection.closing = true;
    closeGently(socket);
  };
  return {
    /** A request begins on `socket`; `finished` must be called when its response closes. */
    begin(socket: Duplex, connectionHeader: string | undefined): Connection {
      const connection = of(socket);
      connection.pending += 1;
      connection.answered = false;
      if (connectionHeader !== undefined && /(^|,)\s*close\s*(,|$)/i.test(connectionHeader)) connection.closing = true;
      return connection;
    },
    finished(connection: Connection, keptAlive: boolean) {
      connection.pending -= 1;
      if (!keptAlive) connection.closing = true;
      if (connection.pending === 0) connection.afterPending?.();
    },
    onAnswer(socket: Duplex) {
      of(socket).answered = true;
    },
    onClientError(error: NodeJS.ErrnoException, socket: Duplex) {
      if (socket.destroyed) return;
      // The client went away (reset, or closed in the middle of its request): nobody is left to answer, and a
      // request still counted in flight would otherwise hold shutdown until its deadline.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE' || error.code === 'HPE_INVALID_EOF_STATE') {
        socket.destroy();
        return;
      }
      const connection = of(socket);
      // A client too slow to finish its request gets a 408 (if nothing was answered yet) and is cut off now:
      // waiting for it is what it wants.
      if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
        if (!connection.answered && socket.writable)
          socket.write('HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        socket.destroy();
        return;
      }
      if (connection.pending > 0) connection.afterPending = () => refuse(error, socket, connection);
      else refuse(error, socket, connection);
    },
  };
}

/** Node ends a connection after a `Connection: close` answer with `destroySoon()`; make that the gentle close. */
function lingerOnClose(socket: Duplex): void {
  (socket as Duplex & { destroySoon: () => void }).destroySoon = () => closeGently(socket);
}

const closingGently = new WeakSet<Duplex>();

function closeGently(socket: Duplex): void {
  if (socket.destroyed || closingGently.has(socket)) return;
  closingGently.add(socket);
  // The client has already closed its side (or is gone): nothing to drain.
  if (socket.readableEnded || !socket.readable) {
    socket.destroy();
    return;
  }
  socket.end();
  let dropped = 0;
  socket.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DRAIN_LIMIT_BYTES) socket.destroy();
  });
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), DRAIN_LIMIT_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  // The client has read the answer and closed its side: nothing is left to drain.
  socket.once('end', () => socket.destroy());
}
