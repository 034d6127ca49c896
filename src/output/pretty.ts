import type { ChalkInstance } from 'chalk';
import { humanBytes } from '../util/units.js';
import type { ReceivedMessage } from '../webhook/message.js';
import { clock, shortId } from './format.js';
import { visible } from './visible.js';
import { prettyJson } from './pretty-json.js';
import type { Sink, TextOutput } from './sink.js';
import { summarizePayload } from './summarize.js';

export interface PrettySinkOptions {
  out: TextOutput;
  palette: ChalkInstance;
  /** `--full`: show whole payloads instead of a preview. */
  full: boolean;
}

/** Lines of payload preview shown without `--full`. */
export const PREVIEW_LINES = 40;
const PREVIEW_STRING = 200;

/** The terminal view of messages: one summary line, then the coloured payload. Data, so it goes to stdout. */
export function createPrettySink(options: PrettySinkOptions): Sink {
  return {
    write(event) {
      if (event.type === 'message') options.out.write(formatMessage(event.message, options));
    },
    close: async () => undefined,
  };
}

export function formatMessage(message: ReceivedMessage, options: Pick<PrettySinkOptions, 'palette' | 'full'>): string {
  const { palette, full } = options;
  const verified = message.verifiedBy === 'signature' ? '✓ signed' : '✓ legacy key';
  const header = [
    palette.dim(clock(message.receivedAt)),
    palette.bold.blue(visible(message.type)),
    visible(shortId(message.messageId)),
    palette.green(verified),
    visible(summarizePayload(message.type, message.payload)),
    palette.dim(`(${humanBytes(message.raw.length)})`),
  ].join('  ');
  const preview = prettyJson(message.payload, {
    maxLines: full ? Number.POSITIVE_INFINITY : PREVIEW_LINES,
    maxStringLength: full ? Number.POSITIVE_INFINITY : PREVIEW_STRING,
    palette,
  });
  const body = preview.lines.map((line) => `  ${line}`);
  if (preview.truncated) body.push(palette.dim(`  … cut after ${PREVIEW_LINES} lines; --full shows whole payloads`));
  return `${header}\n${body.join('\n')}\n\n`;
}
