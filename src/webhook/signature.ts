import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { sameSecret } from '../util/secret.js';

/** Header of Metriport's current scheme: lowercase hex HMAC-SHA256 of the raw body under the webhook key. */
export const SIGNATURE_HEADER = 'x-metriport-signature';
/** Header of the original (pre mid-2024) scheme: the webhook key itself. */
export const LEGACY_KEY_HEADER = 'x-webhook-key';

export type VerifiedBy = 'signature' | 'webhook-key';

export type VerifyFailure =
  /** Neither header was sent. */
  | 'header-missing'
  /** `x-metriport-signature` is not 64 lowercase hex characters. */
  | 'signature-malformed'
  /** The HMAC does not match: wrong key, or the body was changed on the way. */
  | 'signature-mismatch'
  /** The HMAC matches the compact re-serialisation of the body, not the body: something re-encoded it. */
  | 'body-reserialised'
  /** `x-webhook-key` carries another key. */
  | 'wrong-key';

export type VerifyResult = { ok: true; verifiedBy: VerifiedBy } | { ok: false; reason: VerifyFailure };

export interface VerifyInput {
  key: string;
  body: Buffer;
  /** `x-metriport-signature`, as received. */
  signature?: string | undefined;
  /** `x-webhook-key`, as received. */
  legacyKey?: string | undefined;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;
/** Re-serialisation is only diagnosed on small bodies: it costs a parse, and only helps a human debugging a relay. */
const RESERIALISE_CHECK_LIMIT = 1024 * 1024;

export function sign(key: string, body: Buffer | string): string {
  return createHmac('sha256', keyObject(key)).update(body).digest('hex');
}

/**
 * The key as a KeyObject, made once: createHmac with a string imports the key again on every call, about
 * half of the HMAC's cost on a small body (BENCHMARKS.md). A listener uses one key, so one entry is enough.
 */
let cachedKey: { text: string; object: KeyObject } | undefined;
function keyObject(text: string): KeyObject {
  if (cachedKey?.text !== text) cachedKey = { text, object: createSecretKey(Buffer.from(text, 'utf8')) };
  return cachedKey.object;
}

/**
 * Verifies one request over the exact bytes received. The signature wins when both headers are present,
 * because it also proves the body was not changed.
 */
export function verify(input: VerifyInput): VerifyResult {
  const { key, body, signature, legacyKey } = input;
  if (signature !== undefined) {
    if (!HEX_SHA256.test(signature)) return { ok: false, reason: 'signature-malformed' };
    const expected = createHmac('sha256', keyObject(key)).update(body).digest();
    if (timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return { ok: true, verifiedBy: 'signature' };
    return { ok: false, reason: looksReserialised(key, body, signature) ? 'body-reserialised' : 'signature-mismatch' };
  }
  if (legacyKey !== undefined) {
    return sameSecret(legacyKey, key) ? { ok: true, verifiedBy: 'webhook-key' } : { ok: false, reason: 'wrong-key' };
  }
  return { ok: false, reason: 'header-missing' };
}

function looksReserialised(key: string, body: Buffer, signature: string): boolean {
  if (body.length > RESERIALISE_CHECK_LIMIT) return false;
  let compact: string;
  try {
    compact = JSON.stringify(JSON.parse(body.toString('utf8')));
  } catch {
    return false;
  }
  if (compact === undefined || Buffer.byteLength(compact) === body.length) return false;
  return timingSafeEqual(createHmac('sha256', key).update(compact).digest(), Buffer.from(signature, 'hex'));
}
