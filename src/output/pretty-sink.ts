import type { ChalkInstance } from 'chalk';
import type { MessageOutcome } from '../receiver/receiver.js';
import { isRecord } from '../util/json.js';
import { createRateLimit } from '../util/rate-limit.js';
import { maskSecret } from '../util/secret.js';
import { humanBytes } from '../util/units.js';
import type { ReceivedMessage } from '../webhook/message.js';
import { LEGACY_KEY_HEADER } from '../webhook/signature.js';
import { visibleLength } from './fit.js';
import { clock, shortId } from './format.js';
import { prettyJson } from './pretty-json.js';
import type { Sink, TextOutput } from './sink.js';
import { payloadOutcome, summarizePayload } from './summarize.js';
import { visible } from './visible.js';
import { describeForward } from './words.js';

export type PreviewMode = 'preview' | 'full' | 'none';

export interface PrettySinkOptions {
  out: TextOutput;
  palette: ChalkInstance;
  /** `preview` (a few lines, the default), `full` (`--full`), or `none` (`--no-preview`: one line per message). */
  preview: PreviewMode;
  /** `--verbose`: where each message was stored, and the request's headers. */
  verbose?: boolean;
  /** The terminal's width now, when stdout is one (it can change): each message's line is fitted to it. */
  columns?: (() => number | undefined) | undefined;
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
  const withPreview: MessageShape = { palette: options.palette, verbose: options.verbose, preview: options.preview };
  const oneLine: MessageShape = { ...withPreview, preview: 'none' };
  // How to see more is said once, under the first preview that is cut; later ones end with `…`.
  let footnoteSaid = false;
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
  // Flows: when a message answers the same API request as an earlier one (its `meta.requestId`), its line points
  // at that flow's first message (by the short id on its line) and says how long after it came. The newest
  // requests are remembered.
  const flowStarts = new Map<string, { atMs: number; messageId: string | undefined }>();
  const flowOf = (message: ReceivedMessage) => {
    const requestId = requestIdOf(message.payload);
    if (requestId === undefined) return undefined;
    const atMs = message.receivedAt.getTime();
    const first = flowStarts.get(requestId);
    if (first !== undefined) return { firstMessageId: first.messageId, afterMs: atMs - first.atMs };
    flowStarts.set(requestId, { atMs, messageId: message.messageId });
    if (flowStarts.size > REMEMBERED_FLOWS) flowStarts.delete(flowStarts.keys().next().value as string);
    return undefined;
  };
  return {
    write(event) {
      if (event.type !== 'message') return;
      const shape = {
        ...shapeFor(event.message.receivedAt),
        columns: options.columns?.(),
        footnote: !footnoteSaid,
        flow: flowOf(event.message),
      };
      const text = formatMessage(event.message, event.outcome, shape);
      footnoteSaid ||= text.includes('--full shows whole payloads');
      options.out.write(text);
    },
    close: async () => undefined,
  };
}

/** How one message is shown. */
export interface MessageShape {
  palette: ChalkInstance;
  preview: PreviewMode;
  verbose?: boolean | undefined;
  /** The terminal's width: the message's line is fitted to it (its summary cut short). None for a pipe. */
  columns?: number | undefined;
  /** Whether a cut preview says how to see more (once per session), or only `…`. */
  footnote?: boolean | undefined;
  /** This message answers the same request as an earlier one (a flow): that flow's first message, and how long after it. */
  flow?: { firstMessageId: string | undefined; afterMs: number } | undefined;
}

/**
 * One line per message that fits the terminal: time, type, short id, what it says (cut to fit), and what
 * Metriport got back (and the app, when forwarding). `--verbose` adds where it was stored and its headers; a
 * preview follows unless `--no-preview`.
 */
export function formatMessage(message: ReceivedMessage, outcome: MessageOutcome, options: MessageShape): string {
  const { palette, preview } = options;
  const ok = outcome.status >= 200 && outcome.status < 300;
  const failed = payloadOutcome(message.type, message.payload) === 'failed';
  const time = clock(message.receivedAt);
  const type = visible(message.type);
  const flow = options.flow;
  const id = `${visible(shortId(message.messageId))}${flow === undefined ? '' : ` ↳ ${visible(shortId(flow.firstMessageId))} +${seconds(flow.afterMs)}`}`;
  const answered = `→ ${describeAnswer(outcome)}${message.verifiedBy === 'webhook-key' ? ' (legacy x-webhook-key)' : ''}`;
  let summary = visible(summarizePayload(message.type, message.payload));
  if (options.columns !== undefined) {
    const fixed = [time, type, id, answered].join('  ').length + 2;
    const room = options.columns - 1 - fixed;
    summary = room >= 12 ? cut(summary, room) : '';
  }
  const header = [
    palette.dim(time),
    palette.bold.blue(type),
    flow === undefined ? id : palette.dim(id),
    ...(summary === '' ? [] : [failed ? palette.red(summary) : summary]),
    (ok ? palette.dim : palette.red)(answered),
  ].join('  ');
  const lines = [header];
  if (options.verbose) {
    const stored = outcome.storedAs === undefined ? '' : `stored ${visible(outcome.storedAs)} · `;
    lines.push(palette.dim(`  ${stored}${humanBytes(message.raw.length)}`));
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
  // A preview is for recognising a message: a line wider than the terminal is cut there (--full shows it whole).
  const previewColumns = preview === 'full' ? undefined : options.columns;
  for (const line of rendered.lines) lines.push(previewColumns === undefined ? `  ${line}` : fitTo(`  ${line}`, previewColumns - 1));
  if (rendered.truncated)
    lines.push(
      palette.dim(options.footnote ? `  … first ${PREVIEW_LINES} lines; --full shows whole payloads, --no-preview one line each` : '  …'),
    );
  return `${lines.join('\n')}\n\n`;
}

/** API requests whose flows are remembered by the terminal view (the oldest forgotten first). */
const REMEMBERED_FLOWS = 1000;

/** `meta.requestId`: the API request a message answers (what ties a flow's messages together). */
function requestIdOf(payload: unknown): string | undefined {
  const meta = isRecord(payload) && isRecord(payload.meta) ? payload.meta : undefined;
  return typeof meta?.requestId === 'string' && meta.requestId !== '' ? meta.requestId : undefined;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** What Metriport got back, and the app's answer when forwarding: `200`, `502 · app unreachable (…)`. */
function describeAnswer(outcome: MessageOutcome): string {
  return outcome.forward === undefined ? String(outcome.status) : `${outcome.status} · ${describeForward(outcome.forward)}`;
}

/** A line in `columns` characters, colour codes kept out of the count: cut with `…` when longer. */
function fitTo(line: string, columns: number): string {
  if (visibleLength(line) <= columns) return line;
  const plain = line.replace(COLOUR_CODES, '');
  return `${[...plain].slice(0, columns - 1).join('')}…`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes are what is taken out
const COLOUR_CODES = /\u001b\[[0-9;]*m/g;

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

/** The summary in `room` characters: whole ids shortened to their first block first, then cut between words. */
function cut(text: string, room: number): string {
  if ([...text].length <= room) return text;
  const shortened = text.replace(UUID, (id) => `${id.slice(0, 8)}…`);
  const chars = [...shortened];
  if (chars.length <= room) return shortened;
  const space = chars.slice(0, room - 1).lastIndexOf(' ');
  const kept = chars.slice(0, space > room / 2 ? space : room - 1).join('');
  return kept.endsWith('…') ? kept : `${kept}…`;
}
