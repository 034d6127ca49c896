import { jsonLineBytes } from '../webhook/message.js';
import type { Sink, TextOutput } from './sink.js';

/** `--json`: one JSON object per verified message on stdout, and nothing else there. Never coloured. */
export function createJsonSink(out: TextOutput): Sink {
  return {
    write(event) {
      if (event.type === 'message') out.write(jsonLineBytes(event.message));
    },
    close: async () => undefined,
  };
}
