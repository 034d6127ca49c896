import type { FastifyInstance } from 'fastify';
import { MwError } from '../errors.js';

/**
 * Starts a Fastify app on `host:port` (0 picks a free port) and reads the bound port back. Every server of
 * the tool (the receiver, the emulator) binds through here, so a port in use reads the same everywhere.
 */
export async function listenOn(
  app: FastifyInstance,
  input: { host: string; port: number; what: string },
): Promise<{ port: number; origin: string }> {
  try {
    await app.listen({ host: input.host, port: input.port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MwError(`${input.what} could not listen on ${input.host}:${input.port} (${code ?? String(error)}).`, {
      code: 'LISTEN_FAILED',
      category: 'usage',
      hint:
        code === 'EADDRINUSE'
          ? 'Another program uses that port: pick another with --port (0 picks a free one).'
          : 'Check --host and --port.',
      cause: error,
    });
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : input.port;
  const host = input.host.includes(':') ? `[${input.host}]` : input.host;
  return { port, origin: `http://${host}:${port}` };
}
