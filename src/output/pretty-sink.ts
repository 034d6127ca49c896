import type { ChalkInstance } from 'chalk';
import type { MessageOutcome } from '../receiver/receiver.js';
import { createRateLimit } from '../util/rate-limit.js';
import { maskSecret } from '../util/secret.js';
import { humanBytes } from '../util/units.js';
import type { ReceivedMessage } from '../webhook/message.js';
import { LEGACY_KEY_HEADER } from '../webhook/signature.js';
import { clock, shortId } from './format.js';
import { prettyJson } from './pretty-json.js';
import type { Sink, TextOutput } from './sink.js';
import { summarizePayload } from './summarize.js';
import { visible } from './visible.js';
import { describeOutcome } from './words.js';

export type PreviewMode = 'preview' | 'full' | 'none';

export interface PrettySinkOptions {
  out: TextOutput;
  palette: ChalkInstance;
  /** `preview` (a few lines, the default), `full` (`--full`), or `none` (`--no-preview`: one line per message). */
  preview: PreviewMode;
  /** `--verbose`: the request's headers under each message. */
  verbose?: boolean;
}

/** Lines of payload preview shown by default: enough to recognise a message, few enough to keep hints in view. */
export const PREVIEW_LINES = 10;
const PREVIEW_STRING = 120;

/**
 * Previews shown per second of arrivals at most. Metriport delivers one message at a time (a bulk retry
 * included); more than this in a second is a load test or a replay, where 11 lines a message would scroll by
 * unread and make a slow terminal hold up the answers.
 */
export const PREVIEWS_PER_SECOND = 30;

/**
 * The terminal view: one line per message with its outcome (what the sender got, where it was stored, what
 * the app said), then a short preview. Data, so it goes to stdout. Under a burst, previews are thinned to
 * PREVIEWS_PER_SECOND (the rest one line each, said once per burst); `--full` never thins.
 */
export function createPrettySink(options: PrettySinkOptions): Sink {
  const withPreview = { palette: options.palette, verbose: options.verbose, preview: options.preview };
  const oneLine = { ...withPreview, preview: 'none' as const };
  const previews = createRateLimit(PREVIEWS_PER_SECOND);
  // A burst is thinned previews less than a second apart: it is said once, when it starts.
  let lastThinnedAt = Number.NEGATIVE_INFINITY;
  const shapeFor = (at: Date) => {
    if (options.preview !== 'preview') return withPreview;
    const atMs = at.getTime();
    if (previews.take(atMs)) return withPreview;
    if (atMs - lastThinnedAt > 1000) {
      options.out.write(
        options.palette.dim(
          `  (more than ${PREVIEWS_PER_SECOND} messages a second: previews thinned to ${PREVIEWS_PER_SECOND} a second)\n`,
        ),
      );
    }
    lastThinnedAt = atMs;
    return oneLine;
  };
  return {
    write(event) {
      if (event.type === 'message') options.out.write(formatMessage(event.message, event.outcome, shapeFor(event.message.receivedAt)));
    },
    close: async () => undefined,
  };
}

export function formatMessage(
  message: ReceivedMessage,
  outcome: MessageOutcome,
  options: Pick<PrettySinkOptions, 'palette' | 'preview' | 'verbose'>,
): string {
  const { palette, preview } = options;
  const verified = message.verifiedBy === 'signature' ? '✓ signed' : '✓ legacy key';
  const ok = outcome.status >= 200 && outcome.status < 300;
  const header = [
    palette.dim(clock(message.receivedAt)),
    palette.bold.blue(visible(message.type)),
    visible(shortId(message.messageId)),
    palette.green(verified),
    visible(summarizePayload(message.type, message.payload)),
    palette.dim(`(${humanBytes(message.raw.length)})`),
    (ok ? palette.dim : palette.red)(`→ ${describeOutcome(outcome)}`),
  ].join('  ');
  const lines = [header];
  if (options.verbose) {
    for (const [name, value] of Object.entries(message.headers)) {
      const shown = name === LEGACY_KEY_HEADER ? maskSecret(String(value)) : String(value);
      lines.push(palette.dim(`  ${visible(name)}: ${visible(shown)}`));
    }
  }
  if (preview === 'none') return `${lines.join('\n')}\n`;
  const rendered = prettyJson(message.payload, {
    maxLines: preview === 'full' ? Number.POSITIVE_INFINITY : PREVIEW_LINES,
    maxStringLength: preview === 'full' ? Number.POSITIVE_INFINITY : PREVIEW_STRING,
    palette,
  });
  for (const line of rendered.lines) lines.push(`  ${line}`);
  if (rendered.truncated)
    lines.push(palette.dim(`  … first ${PREVIEW_LINES} lines; --full shows whole payloads, --no-preview one line each`));
  return `${lines.join('\n')}\n\n`;
}
