import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { closeGently, closeGentlyWhenNodeEnds } from './gentle-close.js';

/**
 * What the server knows about its connections and the requests on them, so that every request gets exactly
 * one well-formed answer and shutdown waits for what is in flight.
 *
 * Node's client sends the body of a GET, DELETE, HEAD or OPTIONS without any framing when the caller sets no
 * length, even on a keep-alive connection. Those bytes then parse as a second, broken request, and a 400 for
 * it used to be glued after (or instead of) the 404/405 on its way; the client read garbage on its next request
 * over that connection ("Parse Error: Data after Connection: close"). The rules:
 * - a refusal is answered with `Connection: close`, so no client reuses that connection, and anything parsed
 *   after it is never answered; the connection is then closed gently (see gentle-close.ts);
 * - a request that cannot be parsed waits for the answers still due on its connection, then gets its own
 *   400/431 (or nothing, when the connection is already closing);
 * - a client too slow to finish its request gets a 408, unless an answer was already written, and is cut off.
 */
export interface ConnectionBook {
  /** A request begins (its headers are parsed): counted until its response closes. */
  track(request: IncomingMessage, response: ServerResponse): void;
  /** Node's `clientError` for a connection: a reset, a timeout, or bytes that do not parse as HTTP. */
  onClientError(error: NodeJS.ErrnoException, socket: Duplex): void;
  /** A CONNECT request (a proxy's), which Node routes nowhere: 405 and a gentle close. */
  refuseConnect(socket: Duplex): void;
  /** From now on every answer ends its connection (so keep-alive clients cannot hold a shutdown open). */
  closeAfterAnswers(): void;
  /** Resolves once no request is in flight. */
  drained(): Promise<void>;
}

interface Connection {
  /** Answers started on this connection and not yet finished. */
  pending: number;
  /** A request or an answer said `Connection: close`: nothing more may be written after it. */
  closing: boolean;
  /** The newest request on this connection and its answer: once written, a 408 may not follow it. */
  current: ServerResponse | undefined;
  request: IncomingMessage | undefined;
  /** A parse error that waits for the pending answers. */
  afterPending: (() => void) | undefined;
}

const CLOSE_HEADER = /(^|,)\s*close\s*(,|$)/i;

export function createConnectionBook(): ConnectionBook {
  const book = new WeakMap<Duplex, Connection>();
  // Open connections, added and removed once per socket. Requests in flight are only counted: a Set of
  // responses, one add and delete per request, kept every answer alive into the old generation and tripled
  // the collector's time per request under load (bench/profile.mjs: 2.5 → 8.7 µs a request).
  const open = new Set<Connection>();
  let inFlight = 0;
  let closingAll = false;
  let onDrained: (() => void) | undefined;

  const of = (socket: Duplex): Connection => {
    let connection = book.get(socket);
    if (connection === undefined) {
      connection = { pending: 0, closing: false, current: undefined, request: undefined, afterPending: undefined };
      book.set(socket, connection);
      open.add(connection);
      const opened = connection;
      socket.once('close', () => open.delete(opened));
      closeGentlyWhenNodeEnds(socket);
    }
    return connection;
  };

  const refuse = (error: NodeJS.ErrnoException, socket: Duplex, connection: Connection) => {
    if (socket.destroyed) return;
    if (connection.closing || !socket.writable) {
      closeGently(socket);
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    connection.closing = true;
    closeGently(socket);
  };

  return {
    track(request, response) {
      const connection = of(request.socket);
      connection.pending += 1;
      connection.current = response;
      connection.request = request;
      const header = request.headers.connection;
      if (header !== undefined && CLOSE_HEADER.test(header)) connection.closing = true;
      if (closingAll) response.shouldKeepAlive = false;
      inFlight += 1;
      response.once('close', () => {
        inFlight -= 1;
        // Held past its close, the last request of a kept-alive connection would outlive the young
        // generation and be promoted: under load that tripled the collector's time per request (bench profile).
        if (connection.current === response) {
          connection.current = undefined;
          connection.request = undefined;
        }
        connection.pending -= 1;
        if (!response.shouldKeepAlive) connection.closing = true;
        if (connection.pending === 0) connection.afterPending?.();
        if (inFlight === 0) onDrained?.();
      });
    },
    onClientError(error, socket) {
      if (socket.destroyed) return;
      // The client went away (reset, or closed in the middle of its request): nobody is left to answer, and a
      // request still counted in flight would otherwise hold shutdown until its deadline.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE' || error.code === 'HPE_INVALID_EOF_STATE') {
        socket.destroy();
        return;
      }
      const connection = of(socket);
      // Waiting for a client too slow to finish its request is what it wants: a 408 (unless an answer was
      // written already) and cut off now.
      if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
        if (connection.current?.headersSent !== true && socket.writable) {
          socket.write('HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        }
        socket.destroy();
        return;
      }
      // Bytes that do not parse inside the body of the request being read (a chunk size that is not hex):
      // that request gets its 400 now. Waiting for its answer first would wait for a body that cannot come.
      const current = connection.current;
      if (current !== undefined && !current.headersSent && connection.request?.complete === false) {
        current.writeHead(400, { 'content-length': '0', connection: 'close' });
        current.end();
        return;
      }
      if (connection.pending > 0) connection.afterPending = () => refuse(error, socket, connection);
      else refuse(error, socket, connection);
    },
    refuseConnect(socket) {
      if (socket.writable) socket.write('HTTP/1.1 405 Method Not Allowed\r\nAllow: POST\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      closeGently(socket);
    },
    closeAfterAnswers() {
      closingAll = true;
      for (const connection of open) {
        if (connection.pending > 0 && connection.current !== undefined && !connection.current.headersSent) {
          connection.current.shouldKeepAlive = false;
        }
      }
    },
    drained: () =>
      inFlight === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            onDrained = resolve;
          }),
  };
}
