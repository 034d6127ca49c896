import type { FastifyInstance } from 'fastify';
import { MwError } from '../errors.js';

export interface ListenOnOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** For messages: "The receiver", "The inspector". */
  what: string;
  /** When `port` is taken, take a free one instead of failing (for a default port, never for one the user chose). */
  fallbackToFreePort?: boolean;
}

export interface Bound {
  port: number;
  origin: string;
  /** `port` was taken and a free one was picked instead. */
  fellBack: boolean;
}

/**
 * Starts a Fastify app on `host:port` and reads the bound port back. Every server of the tool (the receiver,
 * the emulator, the inspector) binds through here, so a port in use reads the same everywhere.
 */
export async function listenOn(app: FastifyInstance, options: ListenOnOptions): Promise<Bound> {
  let fellBack = false;
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!(options.fallbackToFreePort && code === 'EADDRINUSE' && options.port !== 0)) throw listenFailed(options, error);
    try {
      await app.listen({ host: options.host, port: 0 });
    } catch (again) {
      throw listenFailed({ ...options, port: 0 }, again);
    }
    fellBack = true;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { port, origin: `http://${host}:${port}`, fellBack };
}

function listenFailed(options: ListenOnOptions, error: unknown): MwError {
  const code = (error as NodeJS.ErrnoException).code;
  return new MwError(`${options.what} could not listen on ${options.host}:${options.port} (${code ?? String(error)}).`, {
    code: 'LISTEN_FAILED',
    category: 'usage',
    hint:
      code === 'EADDRINUSE' ? 'Another program uses that port: pick another with --port (0 picks a free one).' : 'Check --host and --port.',
    cause: error,
  });
}
