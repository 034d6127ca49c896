import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestReceiver } from '../helpers/receiver-server.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiverServer() {
  // A stall is 408 after this; the tests below must get their answers long before it.
  const { server, events } = await startTestReceiver({
    onCleanup: (cleanup) => cleanups.push(cleanup),
    limits: { bodyIdleTimeoutMs: 60_000 },
  });
  return { port: server.port, events };
}

/** Sends raw bytes and resolves with everything the server sent until it closed the connection. */
function exchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('end', () => resolve(received));
    socket.on('close', () => resolve(received));
  });
}

// From the third attack round: requests the server does not route each got no answer, a late one, or one that
// named the framework.
describe('requests the receiver does not route still get one plain answer', () => {
  it('CONNECT (a proxy request) gets 405, not a silently closed connection', async () => {
    const { port } = await receiverServer();
    const answer = await exchange(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n[\s\S]*Connection: close/i);
  });

  it('a chunk size that is not hex gets 400 at once, not a 408 when the request bound runs out', async () => {
    const { port } = await receiverServer();
    const answer = await exchange(
      port,
      `POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nx-metriport-signature: ${'0'.repeat(64)}\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer.match(/HTTP\/1\.1/g)).toHaveLength(1);
  });

  it('a path that cannot be decoded (/%) gets an empty 400 that names no framework', async () => {
    const { port } = await receiverServer();
    for (const method of ['GET', 'POST']) {
      const answer = await exchange(port, `${method} /% HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(answer).toMatch(/\r\ncontent-length: 0\r\n/i);
      expect(answer).not.toMatch(/FST_|fastify|"error"/i);
    }
  });

  it('shows as the sender the address the tunnel added to X-Forwarded-For, not the one the sender wrote', async () => {
    const { port, events } = await receiverServer();
    await exchange(
      port,
      `POST /webhook HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Forwarded-For: 6.6.6.6, 203.0.113.9\r\nx-metriport-signature: ${'0'.repeat(64)}\r\nContent-Length: 2\r\n\r\n{}`,
    );
    const refused = events.find((event) => event.type === 'verify-failed');
    expect(refused?.type === 'verify-failed' ? refused.from?.address : undefined).toBe('203.0.113.9');
  });
});
