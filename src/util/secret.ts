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
 * Constant-time equality of two strings of any length: both sides are hashed first, so the comparison leaks
 * neither the secret nor its length.
 */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
