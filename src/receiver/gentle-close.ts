import type { Duplex } from 'node:stream';

/** Bytes read and dropped after a refusal's answer before the connection is cut. */
export const DRAIN_LIMIT_BYTES = 4 * 1024 * 1024;
/** How long a closing connection may keep sending before it is cut. */
export const DRAIN_LIMIT_MS = 5000;

const closingGently = new WeakSet<Duplex>();

/**
 * Ends a connection without losing the answer on it. Closing at once would reset a client that is still
 * writing its body (a request refused before its body was read), and a reset can discard the answer before
 * the client reads it. So our side is shut after the answer, and the client's remaining bytes are read and
 * dropped, up to DRAIN_LIMIT_BYTES and DRAIN_LIMIT_MS, before the socket is destroyed. Idempotent.
 */
export function closeGently(socket: Duplex): void {
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

/**
 * The one seam into Node's HTTP server: after an answer marked `Connection: close`, Node ends the connection
 * with `socket.destroySoon()`, which destroys it as soon as our side is flushed, and so resets a client still
 * sending. Replacing `destroySoon` on each accepted socket makes that end the gentle close above. Guarded by
 * test/hardening/one-answer.test.ts (every refused request, on a reused keep-alive connection, still reads
 * exactly one whole answer) and by test/unit/gentle-close.test.ts.
 */
export function closeGentlyWhenNodeEnds(socket: Duplex): void {
  (socket as Duplex & { destroySoon: () => void }).destroySoon = () => closeGently(socket);
}
