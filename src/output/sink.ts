import type { SessionEvent } from '../session/events.js';

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

/**
 * Coalesces writes made in the same tick into one: under a burst, one syscall carries many lines instead of
 * one each (a measurable share of the per-message cost). Order is kept; `flush()` empties it at once.
 */
export function batchedOutput(stream: TextOutput): TextOutput & { flush(): void } {
  let pending: Array<string | Buffer> = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.length === 1 ? (pending[0] as string | Buffer) : pending.every((item) => typeof item === 'string') ? pending.join('') : Buffer.concat(pending.map((item) => (typeof item === 'string' ? Buffer.from(item) : item)));
    pending = [];
    // A closed pipe reports through the stream's 'error' event; nothing more to do here.
    try {
      stream.write(text);
    } catch {
      // Synchronous EPIPE on some platforms.
    }
  };
  return {
    write(text) {
      pending.push(text);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}
