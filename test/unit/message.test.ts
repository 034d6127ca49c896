import { describe, expect, it } from 'vitest';
import { parseBody } from '../../src/webhook/message.js';

describe('parseBody', () => {
  it('reads meta', () => {
    const raw = Buffer.from('{"meta":{"messageId":"m-1","when":"2026-01-01T00:00:00.000Z","type":"patient.admit"},"payload":{}}');
    const result = parseBody(raw);
    expect(result.ok && result.body).toMatchObject({
      type: 'patient.admit',
      messageId: 'm-1',
      when: '2026-01-01T00:00:00.000Z',
      ping: undefined,
    });
  });

  it('reads the ping value', () => {
    const result = parseBody(Buffer.from('{"ping":"abc","meta":{"type":"ping"}}'));
    expect(result.ok && result.body.ping).toBe('abc');
  });

  it.each([
    ['{"payload":1}', 'unknown'],
    ['[1,2]', 'unknown'],
    ['"text"', 'unknown'],
    ['{"meta":{"type":7}}', 'unknown'],
    ['{"meta":{"type":"network-query.lab"}}', 'network-query.lab'],
  ])('types %s as %s', (body, type) => {
    const result = parseBody(Buffer.from(body));
    expect(result.ok && result.body.type).toBe(type);
  });

  it.each([
    [Buffer.alloc(0), 'empty'],
    [Buffer.from('{"meta":'), 'invalid-json'],
    [Buffer.from('not json'), 'invalid-json'],
    [Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 'not-utf8'],
  ])('refuses %j as %s', (raw, reason) => {
    expect(parseBody(raw)).toEqual({ ok: false, reason });
  });

  it('keeps __proto__ keys as plain data', () => {
    const result = parseBody(Buffer.from('{"__proto__":{"polluted":true},"meta":{"type":"x"}}'));
    expect(result.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
