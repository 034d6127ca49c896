import type { SessionEvent } from '../listen/events.js';
import { perTurn } from '../util/per-turn.js';

/** Where session events go. Each sink shows what it cares about and ignores the rest. */
export interface Sink {
  write(event: SessionEvent): void;
  close(): Promise<void>;
}

/** What a sink writes to: a stream, or anything collecting text in tests. */
export interface TextOutput {
  write(text: string | Buffer): unknown;
}

export function fanOut(sinks: readonly Sink[]): Sink {
  return {
    write(event) {
      for (const sink of sinks) sink.write(event);
    },
    async close() {
      await Promise.all(sinks.map((sink) => sink.close()));
    },
  };
}

/** Above this many bytes in one turn, the parts are written one by one rather than copied into one. */
const JOIN_LIMIT = 1024 * 1024;

/**
 * Coalesces writes made in the same turn of the event loop into one: under a burst, one syscall carries many
 * lines instead of one each (a measurable share of the per-message cost), and the parts are copied once,
 * into one buffer. A turn that wrote more than JOIN_LIMIT (a 20 MB message) is written part by part, so a
 * big payload is never copied again. Order is kept; `flush()` empties it at once.
 */
export function batchedOutput(stream: TextOutput): TextOutput & { flush(): void } {
  const pending = perTurn<string | Buffer>((parts) => {
    // A closed pipe reports through the stream's 'error' event; nothing more to do here.
    try {
      const total = parts.reduce((sum, part) => sum + (typeof part === 'string' ? Buffer.byteLength(part) : part.length), 0);
      if (parts.length === 1 || total > JOIN_LIMIT) {
        for (const part of parts) stream.write(part);
        return;
      }
      const joined = Buffer.allocUnsafe(total);
      let at = 0;
      for (const part of parts) {
        if (typeof part === 'string') at += joined.write(part, at);
        else {
          joined.set(part, at);
          at += part.length;
        }
      }
      stream.write(joined);
    } catch {
      // Synchronous EPIPE on some platforms.
    }
  });
  return { write: (text) => pending.add(text), flush: pending.now };
}
