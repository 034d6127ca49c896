import { describe, expect, it } from 'vitest';
import { MwError } from '../../src/errors.js';
import { untilAborted } from '../../src/util/abort.js';
import { isHttpUrl, requireHttpUrl } from '../../src/util/http-url.js';
import { isLoopback } from '../../src/util/loopback.js';
import { redactDeep } from '../../src/util/secret.js';

describe('isLoopback: one answer for the --host warnings and for trusting X-Forwarded-For', () => {
  it.each([
    '127.0.0.1',
    '127.0.0.2',
    '127.255.255.254',
    'localhost',
    'LocalHost',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
    '::ffff:127.9.8.7',
    '::FFFF:7f00:1',
  ])('%s stays on this machine', (host) => {
    expect(isLoopback(host)).toBe(true);
  });

  it.each([
    '0.0.0.0',
    '::',
    '10.0.0.1',
    '128.0.0.1',
    '127.1',
    '127.0.0.256',
    '127.0.0.1.example.com',
    'localhost.example.com',
    '::ffff:10.0.0.1',
    '::ffff:a00:1',
    'fe80::1%lo',
    '::2',
    '',
  ])('%j does not', (host) => {
    expect(isLoopback(host)).toBe(false);
  });
});

describe('http(s) URL flags', () => {
  it.each([
    ['http://127.0.0.1:3000/webhook', true],
    ['https://abc.trycloudflare.com', true],
    ['ftp://example.com', false],
    ['127.0.0.1:3000', false],
    ['not a url', false],
    ['', false],
  ])('%j → %s', (text, expected) => {
    expect(isHttpUrl(text)).toBe(expected);
  });

  it('refuse with the flag, the value quoted, the code and the hint; a positional has no flag name', () => {
    expect(requireHttpUrl({ name: '--to', value: 'http://a/b', code: 'BAD_TO_URL', hint: 'h' })).toBe('http://a/b');
    const refusal = (name: string | undefined) => {
      try {
        requireHttpUrl({ name, value: 'ftp://x', code: 'BAD_X', hint: 'Pass one.' });
      } catch (error) {
        return error as MwError;
      }
      throw new Error('accepted ftp://x');
    };
    expect(refusal('--to')).toMatchObject({
      code: 'BAD_X',
      category: 'usage',
      message: '--to "ftp://x" is not an http(s) URL.',
      hint: 'Pass one.',
    });
    expect(refusal(undefined).message).toBe('"ftp://x" is not an http(s) URL.');
    expect(refusal('--to')).toBeInstanceOf(MwError);
  });
});

describe('untilAborted', () => {
  it('waits for the abort, and does not wait for one that already happened', async () => {
    const controller = new AbortController();
    let done = false;
    const waiting = untilAborted(controller.signal).then(() => {
      done = true;
    });
    await Promise.resolve();
    expect(done).toBe(false);
    controller.abort();
    await waiting;
    expect(done).toBe(true);
    await untilAborted(controller.signal);
  });
});

describe('redactDeep: secrets cut from every string of an API payload', () => {
  const secret = 'sk_payload_secret_123456';

  it('cuts values and keys at any depth, keeps __proto__ an own key, and never changes the original', () => {
    const payload = JSON.parse(
      `{"a":["x ${secret} y",{"${secret}":1}],"__proto__":{"polluted":"${secret}"},"n":2,"ok":true,"none":null}`,
    ) as Record<string, unknown>;
    const cut = redactDeep(payload, [secret]) as Record<string, unknown>;
    expect(JSON.stringify(cut)).toBe('{"a":["x sk_p… y",{"sk_p…":1}],"__proto__":{"polluted":"sk_p…"},"n":2,"ok":true,"none":null}');
    expect(Object.getPrototypeOf(cut)).toBe(Object.prototype);
    expect(JSON.stringify(payload)).toContain(secret);
  });

  it('returns the value itself when no string holds a secret, and survives 100,000 levels', () => {
    const plain = { a: [1, 'two'] };
    expect(redactDeep(plain, [secret])).toBe(plain);
    const deep = JSON.parse(`${'['.repeat(100_000)}"${secret}"${']'.repeat(100_000)}`) as unknown;
    let inner = redactDeep(deep, [secret]);
    for (let depth = 0; depth < 100_000; depth += 1) inner = (inner as unknown[])[0];
    expect(inner).toBe('sk_p…');
  });
});
