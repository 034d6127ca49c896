/**
 * Turns the verified raw body into a typed message. Pure: no I/O, and the raw bytes stay the source of
 * truth (they are what gets stored and forwarded); the parsed value is only for showing and routing.
 */
export interface Delivery {
  /** `meta.type`, or `unknown` when the body carries none. */
  type: string;
  /** `meta.messageId` when present: stable across Metriport's retries, the key for idempotency. */
  messageId: string | undefined;
  /** `meta.when`: when Metriport created the message (kept on retries). */
  when: string | undefined;
  /** The `ping` value when `type` is `ping`. */
  ping: string | undefined;
  payload: unknown;
  raw: Buffer;
}

export type ParseResult = { ok: true; delivery: Delivery } | { ok: false; reason: 'empty' | 'invalid-json' | 'not-utf8' };

export const UNKNOWN_TYPE = 'unknown';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseDelivery(raw: Buffer): ParseResult {
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
  return {
    ok: true,
    delivery: {
      type,
      messageId: stringOrUndefined(meta?.messageId),
      when: stringOrUndefined(meta?.when),
      ping,
      payload,
      raw,
    },
  };
}

export function describeParseFailure(reason: 'empty' | 'invalid-json' | 'not-utf8'): string {
  switch (reason) {
    case 'empty':
      return 'the body is empty';
    case 'not-utf8':
      return 'the body is not valid UTF-8';
    case 'invalid-json':
      return 'the body is not valid JSON';
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
