import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, createServer as createNetServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConnectionBook, createConnectionBook } from '../../src/receiver/connection-book.js';
import { closeGently, DRAIN_LIMIT_BYTES } from '../../src/receiver/gentle-close.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A plain Node server whose requests and client errors go through the book; `handle` answers (or holds) each request. */
async function bookServer(handle: (request: IncomingMessage, response: ServerResponse) => void, timeouts = {}) {
  const book: ConnectionBook = createConnectionBook();
  const server: Server = createServer({ ...timeouts }, (request, response) => {
    book.track(request, response);
    handle(request, response);
  });
  server.on('clientError', (error, socket) => book.onClientError(error, socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return { book, port: (server.address() as AddressInfo).port };
}

/**
 * A raw client: writes bytes as given and collects everything the server sends until it closes. It keeps its
 * side open when the server ends its own (as a client still sending a body does).
 */
function rawClient(port: number): { socket: Socket; received: () => string; ended: Promise<void>; closed: Promise<void> } {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  // The server has sent all it will send (it ended its side, or the connection is gone).
  const ended = new Promise<void>((resolve) => {
    socket.on('end', () => resolve());
    socket.on('close', () => resolve());
  });
  cleanups.push(() => socket.destroy());
  return { socket, received: () => text, ended, closed };
}

const statusLines = (text: string) => text.match(/HTTP\/1\.1 \d{3}[^\r]*/g) ?? [];

describe('the connection book', () => {
  it('answers a request that cannot be parsed only after the answer still due on its connection, then closes it', async () => {
    let answerFirst: (() => void) | undefined;
    const { port } = await bookServer((_request, response) => {
      answerFirst = () => response.end('first');
    });
    const client = rawClient(port);
    client.socket.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\nthis is not http\r\n\r\n');
    await expect.poll(() => answerFirst).toBeDefined();
    answerFirst?.();
    await client.ended;
    expect(statusLines(client.received())).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 400 Bad Request']);
    expect(client.received()).toMatch(/first[\s\S]*Connection: close/);
  });

  it('gives a client too slow to send its headers a 408 and cuts it off', async () => {
    const { port } = await bookServer(() => undefined, { headersTimeout: 200, requestTimeout: 200, connectionsCheckingInterval: 50 });
    const client = rawClient(port);
    client.socket.write('POST /webhook HTTP/1.1\r\nHost: x\r\n');
    await client.ended;
    expect(statusLines(client.received())).toEqual(['HTTP/1.1 408 Request Timeout']);
  });

  it('writes no 408 after an answer already on its way: the client reads exactly one answer', async () => {
    const { port } = await bookServer(
      (_request, response) => {
        // Answers at once without waiting for the body; the body never completes.
        response.writeHead(200, { 'content-length': '2' });
        response.write('ok');
      },
      { headersTimeout: 200, requestTimeout: 200, connectionsCheckingInterval: 50 },
    );
    const client = rawClient(port);
    client.socket.write('POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npartial');
    await client.ended;
    expect(statusLines(client.received())).toEqual(['HTTP/1.1 200 OK']);
  });

  it('counts requests in flight: drained() waits for the last answer', async () => {
    const held: ServerResponse[] = [];
    const { book, port } = await bookServer((_request, response) => held.push(response));
    const first = fetch(`http://127.0.0.1:${port}/one`);
    const second = fetch(`http://127.0.0.1:${port}/two`);
    await expect.poll(() => held.length).toBe(2);
    let drained = false;
    const waiting = book.drained().then(() => {
      drained = true;
    });
    held[0]?.end();
    await (await first).text();
    expect(drained).toBe(false);
    held[1]?.end();
    await (await second).text();
    await waiting;
    expect(drained).toBe(true);
  });

  it('after closeAfterAnswers(), answers in flight and new ones end their connection', async () => {
    const held: ServerResponse[] = [];
    const { book, port } = await bookServer((_request, response) => held.push(response));
    const inFlight = fetch(`http://127.0.0.1:${port}/one`);
    await expect.poll(() => held.length).toBe(1);
    book.closeAfterAnswers();
    held[0]?.end();
    expect((await inFlight).headers.get('connection')).toBe('close');
    const later = fetch(`http://127.0.0.1:${port}/two`);
    await expect.poll(() => held.length).toBe(2);
    held[1]?.end();
    expect((await later).headers.get('connection')).toBe('close');
  });
});

describe('closing gently', () => {
  /** A server that answers at once and closes gently while the client is still sending. */
  async function answerThenCloseGently() {
    const server = createNetServer((socket) => {
      socket.once('data', () => {
        socket.write('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        closeGently(socket);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    return (server.address() as AddressInfo).port;
  }

  it('answers, then reads and drops what a client still sends, until the client ends its side', async () => {
    const port = await answerThenCloseGently();
    const client = rawClient(port);
    client.socket.write('POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n');
    // The rest of the body, after the answer is on its way.
    for (let sent = 0; sent < 1_000_000; sent += 64 * 1024) client.socket.write(Buffer.alloc(64 * 1024, 0x78));
    client.socket.end();
    await client.ended;
    expect(statusLines(client.received())).toEqual(['HTTP/1.1 413 Payload Too Large']);
  });

  it('cuts a client off once it has sent more than the drain limit after the answer', async () => {
    const port = await answerThenCloseGently();
    const client = rawClient(port);
    client.socket.write('POST /webhook HTTP/1.1\r\nHost: x\r\n\r\n');
    const chunk = Buffer.alloc(256 * 1024, 0x78);
    let sent = 0;
    let closed = false;
    void client.closed.then(() => {
      closed = true;
    });
    // Keeps sending (never ends its side) until the server cuts the connection.
    while (!closed && sent <= DRAIN_LIMIT_BYTES * 4) {
      if (!client.socket.write(chunk)) await new Promise((resolve) => client.socket.once('drain', resolve).once('close', resolve));
      sent += chunk.length;
    }
    await client.closed;
    expect(sent).toBeGreaterThan(DRAIN_LIMIT_BYTES);
    expect(sent).toBeLessThan(DRAIN_LIMIT_BYTES * 4);
  });
});
