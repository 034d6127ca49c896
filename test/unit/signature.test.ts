import { describe, expect, it } from 'vitest';
import { sign, verify } from '../../src/webhook/signature.js';

// The test vector from the protocol notes (shared/metriport-protocol.md).
const KEY = 'Zx3kP9qLm2VbN7tR1cYwE';
const BODY = Buffer.from(
  '{"ping":"Zq4xT9mLr2VbN7kP1cYwE","meta":{"messageId":"6f1c2d3e-8a4b-4c5d-9e6f-7a8b9c0d1e2f","when":"2025-10-30T14:02:11.482Z","type":"ping"}}',
);
const SIGNATURE = '1e2dd09df8ca3ae1918c2649ded4486108562038157e48270cf09534151c89e2';

describe('signature', () => {
  it('matches the protocol test vector', () => {
    expect(BODY.length).toBe(140);
    expect(sign(KEY, BODY)).toBe(SIGNATURE);
    expect(verify({ key: KEY, body: BODY, signature: SIGNATURE })).toEqual({ ok: true, verifiedBy: 'signature' });
  });

  it('refuses a tampered body', () => {
    const tampered = Buffer.from(BODY.toString().replace('Zq4x', 'Zq4y'));
    expect(verify({ key: KEY, body: tampered, signature: SIGNATURE })).toEqual({ ok: false, reason: 'signature-mismatch' });
  });

  it('refuses a signature made with another key', () => {
    expect(verify({ key: 'another-key', body: BODY, signature: SIGNATURE })).toEqual({ ok: false, reason: 'signature-mismatch' });
  });

  it.each([
    ['not hex', 'z'.repeat(64)],
    ['too short', SIGNATURE.slice(0, 62)],
    ['too long', `${SIGNATURE}00`],
    ['uppercase', SIGNATURE.toUpperCase()],
    ['empty', ''],
    ['prefixed', `sha256=${SIGNATURE}`],
  ])('calls a %s signature malformed', (_label, signature) => {
    expect(verify({ key: KEY, body: BODY, signature })).toEqual({ ok: false, reason: 'signature-malformed' });
  });

  it('says when no header is present', () => {
    expect(verify({ key: KEY, body: BODY })).toEqual({ ok: false, reason: 'header-missing' });
  });

  it('accepts the legacy x-webhook-key header when it equals the key', () => {
    expect(verify({ key: KEY, body: BODY, legacyKey: KEY })).toEqual({ ok: true, verifiedBy: 'webhook-key' });
  });

  it.each([['wrong'], [`${KEY}x`], [''], [KEY.slice(0, -1)]])('refuses the legacy header %j', (legacyKey) => {
    expect(verify({ key: KEY, body: BODY, legacyKey })).toEqual({ ok: false, reason: 'wrong-key' });
  });

  it('lets the signature decide when both headers are sent', () => {
    expect(verify({ key: KEY, body: BODY, signature: '0'.repeat(64), legacyKey: KEY })).toEqual({
      ok: false,
      reason: 'signature-mismatch',
    });
  });

  it('recognises a body that a relay pretty-printed after signing', () => {
    const pretty = Buffer.from(JSON.stringify(JSON.parse(BODY.toString()), null, 2));
    expect(verify({ key: KEY, body: pretty, signature: SIGNATURE })).toEqual({ ok: false, reason: 'body-reserialised' });
  });

  it('verifies an empty body like any other', () => {
    const empty = Buffer.alloc(0);
    expect(verify({ key: KEY, body: empty, signature: sign(KEY, empty) }).ok).toBe(true);
  });
});
