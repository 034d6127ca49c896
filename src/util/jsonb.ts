import { isRecord } from './json.js';

/**
 * A JSON value with its object keys in Postgres JSONB order, at every depth: shorter keys first (by UTF-8
 * byte length), then bytewise. Metriport stores each webhook payload in a JSONB column and sends what it
 * reads back, so this is the order its bodies arrive in (protocol notes, "Shapes as Metriport's code sends
 * them"). Arrays keep their order. Pure.
 */
export function jsonbOrder<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => jsonbOrder(item)) as T;
  if (!isRecord(value)) return value;
  const ordered: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(compareJsonbKeys)) {
    // JSONB cannot hold undefined: a key whose value is undefined is not stored.
    // defineProperty, so a "__proto__" key stays a plain key.
    if (value[key] !== undefined)
      Object.defineProperty(ordered, key, { value: jsonbOrder(value[key]), enumerable: true, writable: true, configurable: true });
  }
  return ordered as T;
}

export function compareJsonbKeys(a: string, b: string): number {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length - right.length || Buffer.compare(left, right);
}
