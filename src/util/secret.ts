import { createHash, timingSafeEqual } from 'node:crypto';

/** Shows enough of a secret to tell two apart, never the whole of it. */
export function maskSecret(secret: string): string {
  if (secret.length < 12) return '****';
  return `${secret.slice(0, 4)}…${secret.slice(-2)} (${secret.length} chars)`;
}

/**
 * Every secret in `text` cut to its first four characters, so no message, cause or stack can print one in
 * full (short values are left: they could match ordinary words).
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  return secrets
    .filter((secret) => secret.length >= 4)
    .reduce((result, secret) => result.split(secret).join(`${secret.slice(0, 4)}…`), text);
}

/**
 * A JSON value (an API answer's payload) with every secret cut from every string in it, keys included, the
 * way `redactSecrets` cuts them. Iterative, so no depth overflows it; the value itself is returned when no
 * string holds a secret, else a copy (the original is never changed).
 */
export function redactDeep(value: unknown, secrets: readonly string[]): unknown {
  const cut = secrets.filter((secret) => secret.length >= 4);
  const holds = (text: string) => cut.some((secret) => text.includes(secret));
  if (cut.length === 0 || !someString(value, holds)) return value;
  const root: Record<string, unknown> = { value };
  const pending: Array<[holder: Record<string, unknown> | unknown[], key: string | number]> = [[root, 'value']];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [holder, key] = next;
    const item = (holder as Record<string | number, unknown>)[key];
    let copy: unknown = item;
    if (typeof item === 'string') copy = redactSecrets(item, cut);
    else if (Array.isArray(item)) {
      const array = item.slice();
      array.forEach((_, index) => void pending.push([array, index]));
      copy = array;
    } else if (typeof item === 'object' && item !== null) {
      const object: Record<string, unknown> = {};
      for (const [name, inner] of Object.entries(item)) {
        const shown = redactSecrets(name, cut);
        put(object, shown, inner);
        pending.push([object, shown]);
      }
      copy = object;
    }
    put(holder, key, copy);
  }
  return root.value;
}

/** Whether any string in the value (a key or a value) passes `test`; iterative. */
function someString(value: unknown, test: (text: string) => boolean): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') {
      if (test(item)) return true;
    } else if (Array.isArray(item)) {
      for (const inner of item) pending.push(inner);
    } else if (typeof item === 'object' && item !== null) {
      for (const [name, inner] of Object.entries(item)) {
        if (test(name)) return true;
        pending.push(inner);
      }
    }
  }
  return false;
}

/** An own property, even one named `__proto__` (JSON.parse makes those; plain assignment would set the prototype). */
function put(holder: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  Object.defineProperty(holder, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * Constant-time equality of two strings of any length: both sides are hashed first, so the comparison leaks
 * neither the secret nor its length.
 */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
