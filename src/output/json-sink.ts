import { jsonLineParts } from '../webhook/message.js';
import type { Sink, TextOutput } from './sink.js';

/** `--json`: one JSON object per verified message on stdout, and nothing else there. Never coloured. */
export function createJsonSink(out: TextOutput): Sink {
  return {
    write(event) {
      if (event.type !== 'message') return;
      // In parts: the output joins what it writes in one go, so the payload is copied once, not twice.
      const { head, payload, end } = jsonLineParts(event.message);
      out.write(head);
      out.write(payload);
      out.write(end);
    },
    close: async () => undefined,
  };
}
