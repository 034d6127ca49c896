import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyError, type FastifyReply } from 'fastify';
import { listenOn } from '../http/listen-on.js';
import { createByteBudget, SMALL_BODIES_BUDGET, unverifiedBudgetFor } from './byte-budget.js';
import { createConnectionBook } from './connection-book.js';
import type { Receiver } from './receiver.js';
import { senderOf } from './sender.js';
import { createStallWatch } from './stall-watch.js';
import { createWebhookPolicy } from './webhook-policy.js';

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
  /** A body that stops arriving for this long (from its headers, or its last byte) is refused with 408. */
  bodyIdleTimeoutMs: number;
}

export const DEFAULT_LIMITS: Omit<ReceiverLimits, 'unverifiedBytes'> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  shutdownDeadlineMs: 5_000,
  bodyIdleTimeoutMs: 10_000,
};

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
 * The receiver's HTTP server: a Fastify app whose webhook route is the one request policy (webhook-policy.ts).
 * A POST to the path as Metriport spells it is handed to the policy before Fastify's router (its routing,
 * hooks and reply cost more than verifying a message; BENCHMARKS.md); any other spelling Fastify routes to the
 * path (percent-encoded, say) reaches the same policy through the route below. Fastify answers everything
 * else: 404, 405 with `Allow`. Every request, whoever answers it, is tracked by one connection book: one
 * answer each, gentle closes, and the drain on shutdown.
 */
export async function startReceiverServer(options: ReceiverServerOptions): Promise<ReceiverServer> {
  const { receiver, path } = options;
  const limits: ReceiverLimits = { ...DEFAULT_LIMITS, unverifiedBytes: unverifiedBudgetFor(options.maxBodyBytes), ...options.limits };
  const connections = createConnectionBook();
  const webhook = createWebhookPolicy({
    receiver,
    maxBodyBytes: options.maxBodyBytes,
    budget: createByteBudget({ large: limits.unverifiedBytes, small: SMALL_BODIES_BUDGET }),
    stalls: createStallWatch({ idleMs: limits.bodyIdleTimeoutMs }),
    onInternalError: options.onInternalError,
  });
  const asMetriportSendsIt = `${path}?`;

  // return503OnClosing off: requests on a connection that is still open while we close are answered normally
  // (and that connection is then closed), rather than with a framework-made 503.
  const app = Fastify({
    logger: false,
    exposeHeadRoutes: false,
    return503OnClosing: false,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    clientErrorHandler: (error, socket) => connections.onClientError(error, socket),
    // A path Fastify cannot decode (`/%`): the same empty 400 as any unreadable request, never Fastify's own JSON.
    frameworkErrors: (_error, _request, reply) => void (reply as FastifyReply).code(400).header('connection', 'close').send(),
    serverFactory: (fastifyHandler) =>
      createServer(
        {
          headersTimeout: limits.headersTimeoutMs,
          requestTimeout: limits.requestTimeoutMs,
          keepAliveTimeout: limits.keepAliveTimeoutMs,
          // Node checks request and header deadlines on this interval (30 s by default): often enough to keep them.
          connectionsCheckingInterval: Math.max(100, Math.min(1000, limits.headersTimeoutMs / 4)),
        },
        (request, response) => {
          connections.track(request, response);
          const url = request.url ?? '';
          if (request.method === 'POST' && (url === path || url.startsWith(asMetriportSendsIt))) webhook(request, response);
          else fastifyHandler(request, response);
        },
      ),
  });

  // Nothing Fastify answers reads a body; any that arrives is dropped with its connection.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  app.route({
    method: 'POST',
    url: path,
    // Before Fastify reads the body: the policy reads it, exactly as on the direct way in.
    onRequest: (request, reply, done) => {
      reply.hijack();
      webhook(request.raw, reply.raw);
      // A hijacked reply ends Fastify's part here: no later hook, parser or handler runs.
      done();
    },
    handler: async () => undefined,
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
  app.setErrorHandler(async (error: FastifyError, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).header('connection', 'close').send();
    options.onInternalError(error);
    return reply.code(500).send();
  });

  // CONNECT (a proxy request) is not routed at all by Node: without this it got no answer, only a closed socket.
  app.server.on('connect', (_request, socket: Duplex) => connections.refuseConnect(socket));
  const { port, origin } = await listenOn(app, { host: options.host, port: options.port, what: 'The receiver' });
  let closing: Promise<void> | undefined;
  // Stops accepting and drains; whatever is still arriving after the deadline is cut off, so a client that
  // trickles a body can never keep the URL from being restored.
  const close = async () => {
    connections.closeAfterAnswers();
    const stopped = app.close();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), limits.shutdownDeadlineMs);
    });
    const outcome = await Promise.race([connections.drained().then(() => 'drained' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'deadline') app.server.closeAllConnections();
    await stopped;
  };
  return {
    url: `${origin}${path}`,
    port,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}
