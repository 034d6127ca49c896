import { isRecord } from '../util/json.js';
import type { VerifiedBy } from './signature.js';

/**
 * One verified message, from the receiver to everything that handles it: store, publish, forward, inspect.
 * The raw bytes are the source of truth (what gets stored, forwarded and replayed); the parsed payload is only
 * for showing and routing.
 */
export interface ReceivedMessage {
  receivedAt: Date;
  /** `meta.type`, or `unknown` when the body carries none. */
  type: string;
  /** `meta.messageId` when present: stable across Metriport's bulk retries, the key for idempotency. */
  messageId: string | undefined;
  /** `meta.when`: when Metriport created the message (kept on retries). */
  when: string | undefined;
  verifiedBy: VerifiedBy;
  /** Exactly as received. */
  raw: Buffer;
  payload: unknown;
  /** The request's headers, as received (forwarding passes Metriport's own on). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** What the body says about itself; pure, no I/O. */
export interface ParsedBody {
  type: string;
  messageId: string | undefined;
  when: string | undefined;
  /** The `ping` value when `type` is `ping`. */
  ping: string | undefined;
  payload: unknown;
}

export type ParseFailure = 'empty' | 'invalid-json' | 'not-utf8';
export type ParseResult = { ok: true; body: ParsedBody } | { ok: false; reason: ParseFailure };

export const UNKNOWN_TYPE = 'unknown';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseBody(raw: Buffer): ParseResult {
  if (raw.length === 0) return { ok: false, reason: 'empty' };
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return { ok: false, reason: 'not-utf8' };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'invalid-json' };
  }
  const meta = isRecord(payload) && isRecord(payload.meta) ? payload.meta : undefined;
  const type = stringOrUndefined(meta?.type) ?? UNKNOWN_TYPE;
  const ping = type === 'ping' && isRecord(payload) ? stringOrUndefined(payload.ping) : undefined;
  return { ok: true, body: { type, messageId: stringOrUndefined(meta?.messageId), when: stringOrUndefined(meta?.when), ping, payload } };
}

const LINE_END = Buffer.from('}\n');

/**
 * The `--json` / `--jsonl` line for a message: the payload is the received JSON text itself, not a
 * re-serialisation, so nothing is rounded or reordered, and a payload nested too deeply for JSON.stringify
 * cannot break the line. In valid JSON a CR or LF byte can only be whitespace, so turning them into spaces
 * keeps the payload identical and the line one line.
 *
 * The line in three parts (everything before the payload, the payload's bytes, the closing brace and
 * newline), for an output that joins them itself: the payload is not copied at all unless it holds a CR or
 * LF. CR and LF bytes are never part of a multi-byte UTF-8 sequence, so replacing them byte by byte is safe.
 */
export function jsonLineParts(message: Pick<ReceivedMessage, 'receivedAt' | 'type' | 'messageId' | 'verifiedBy' | 'raw'>): {
  head: string;
  payload: Buffer;
  end: Buffer;
} {
  const head = JSON.stringify({
    receivedAt: message.receivedAt.toISOString(),
    type: message.type,
    messageId: message.messageId ?? null,
    verifiedBy: message.verifiedBy,
  });
  const start = message.raw[0] === 0xef && message.raw[1] === 0xbb && message.raw[2] === 0xbf ? 3 : 0;
  let payload = message.raw.subarray(start);
  if (payload.includes(0x0a) || payload.includes(0x0d)) {
    payload = Buffer.from(payload);
    for (let index = 0; index < payload.length; index += 1) if (payload[index] === 0x0a || payload[index] === 0x0d) payload[index] = 0x20;
  }
  return { head: `${head.slice(0, -1)},"payload":`, payload, end: LINE_END };
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
