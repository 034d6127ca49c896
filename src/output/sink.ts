import type { SessionEvent } from '../session/events.js';

/** Where session events go. Each sink shows what it cares about and ignores the rest. */
export interface Sink {
  write(event: SessionEvent): void;
  close(): Promise<void>;
}

/** What a sink writes to: a stream, or anything collecting text in tests. */
export interface TextOutput {
  write(text: string): unknown;
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
