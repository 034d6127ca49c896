import Fastify, { type FastifyError } from 'fastify';
import { MwError } from '../errors.js';
import type { Receiver } from './receiver.js';

export interface ReceiverServerOptions {
  /** Interface to bind; loopback by default so PHI never reaches the network without a tunnel. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The webhook path, e.g. `/webhook`. */
  path: string;
  /** Largest body accepted, in bytes. */
  maxBodyBytes: number;
  /** The flag that sets the limit, named in the 413 log line. */
  maxBodyFlag: string;
  receiver: Receiver;
  /** Told about errors that are the tool's own fault (answered 500 with no body). */
  onInternalError: (error: Error) => void;
}

export interface ReceiverServer {
  /** The local URL of the webhook path. */
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish, then resolves. Idempotent. */
  close(): Promise<void>;
}

const OTHER_METHODS = ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** The Fastify adapter: raw-buffer body, one POST route, nothing else answers. */
export async function startReceiverServer(options: ReceiverServerOptions): Promise<ReceiverServer> {
  const { receiver, path } = options;
  // return503OnClosing off: requests on a connection that is still open while we close are answered normally
  // (and that connection is then closed), rather than with a framework-made 503.
  const app = Fastify({ logger: false, bodyLimit: options.maxBodyBytes, exposeHeadRoutes: false, return503OnClosing: false });

  // Verification needs the bytes exactly as sent, so no parser may touch them, whatever the content-type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  // Fastify's close() resolves without waiting for requests whose body is still arriving, so in-flight
  // requests are counted here and close() waits for them: an acknowledged message must never be cut off.
  let inFlight = 0;
  let onDrained: (() => void) | undefined;
  const settle = () => {
    inFlight -= 1;
    if (inFlight === 0) onDrained?.();
  };
  // Callback-style hooks: they run on every request, and async ones cost a promise each.
  app.addHook('onRequest', (_request, reply, done) => {
    inFlight += 1;
    reply.raw.once('close', settle);
    done();
  });
  let closingDown = false;
  // Answers given while closing end their connection, otherwise a keep-alive socket would hold close() open.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closingDown) reply.header('connection', 'close');
    done(null, payload);
  });
  const drained = () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (onDrained = resolve)));

  app.post(path, async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const answer = await receiver.handle({ headers: request.headers, body });
    reply.code(answer.status);
    return answer.body === undefined ? reply.send() : reply.send(answer.body);
  });

  app.route({
    method: [...OTHER_METHODS],
    url: path,
    handler: async (request, reply) => {
      receiver.noteRejected(405, `${request.method} is not allowed on ${path}; Metriport only POSTs`);
      return reply.code(405).header('allow', 'POST').send();
    },
  });

  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send());

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413) {
      receiver.noteRejected(
        413,
        `the body is larger than ${options.maxBodyFlag} ${formatBytes(options.maxBodyBytes)}; raise it with ${options.maxBodyFlag} (e.g. ${options.maxBodyFlag} 100mb)`,
      );
      return reply.code(413).send();
    }
    if (status >= 400 && status < 500) {
      if (request.url.split('?')[0] === path) receiver.noteRejected(status, `the request could not be read (${error.message})`);
      return reply.code(status).send();
    }
    options.onInternalError(error);
    return reply.code(500).send();
  });

  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MwError(`Could not listen on ${options.host}:${options.port} (${code ?? String(error)}).`, {
      code: 'LISTEN_FAILED',
      category: 'usage',
      hint: code === 'EADDRINUSE' ? 'Another program uses that port: pick another with --port (0 picks a free one).' : 'Check --host and --port.',
      cause: error,
    });
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}${path}`,
    port,
    close: () => {
      closingDown = true;
      return (closing ??= Promise.all([app.close(), drained()]).then(() => undefined));
    },
  };
}

export function formatBytes(bytes: number): string {
  const units = ['b', 'kb', 'mb', 'gb'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && value % 1024 === 0 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value}${units[unit]}`;
}
