import { describe, expect, it } from 'vitest';
import { type ListenFlags, resolveListenConfig } from '../../src/config/listen-config.js';
import { parseSize } from '../../src/config/size.js';
import { maskSecret } from '../../src/config/sources.js';
import { MwError } from '../../src/errors.js';

const base: ListenFlags = { tunnel: false, webhookKey: 'flag-key' };

function usageCode(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof MwError && error.category === 'usage' ? error.code : 'not a usage error';
  }
  return undefined;
}

describe('resolveListenConfig', () => {
  it('fills in the documented defaults', () => {
    expect(resolveListenConfig(base, {}, {})).toMatchObject({
      host: '127.0.0.1',
      port: 4747,
      path: '/webhook',
      maxBodyBytes: 64 * 1024 * 1024,
      json: false,
      full: false,
      events: [],
      warnings: [],
    });
  });

  it.each([
    [{ webhookKey: 'flag-key' }, { METRIPORT_WEBHOOK_KEY: 'env-key' }, { METRIPORT_WEBHOOK_KEY: 'file-key' }, 'flag-key', 'flag'],
    [{}, { METRIPORT_WEBHOOK_KEY: 'env-key' }, { METRIPORT_WEBHOOK_KEY: 'file-key' }, 'env-key', 'env'],
    [{}, {}, { METRIPORT_WEBHOOK_KEY: 'file-key' }, 'file-key', '.env'],
    [{}, { METRIPORT_WEBHOOK_KEY: '' }, { METRIPORT_WEBHOOK_KEY: 'file-key' }, 'file-key', '.env'],
  ])('takes the webhook key from flag > env > .env (%j %j %j)', (flags, env, dotenv, value, source) => {
    expect(resolveListenConfig({ tunnel: false, ...flags }, env, dotenv).webhookKey).toMatchObject({ value, source });
  });

  it.each([
    [{ port: '70000' }, 'BAD_PORT'],
    [{ port: '-1' }, 'BAD_PORT'],
    [{ port: 'http' }, 'BAD_PORT'],
    [{ path: 'webhook' }, 'BAD_PATH'],
    [{ path: '/a?b' }, 'BAD_PATH'],
    [{ maxBody: 'lots' }, 'BAD_MAX_BODY'],
    [{ maxBody: '0' }, 'BAD_MAX_BODY'],
    [{ events: ' , ' }, 'BAD_EVENTS'],
    [{ webhookKey: undefined }, 'NO_WEBHOOK_KEY'],
    [{ tunnel: true }, 'TUNNEL_UNAVAILABLE'],
  ])('refuses %j with %s', (flags, code) => {
    expect(usageCode(() => resolveListenConfig({ ...base, ...flags }, {}, {}))).toBe(code);
  });

  it('parses --events and --port 0', () => {
    const config = resolveListenConfig({ ...base, events: 'medical., patient.admit', port: '0' }, {}, {});
    expect(config.events).toEqual(['medical.', 'patient.admit']);
    expect(config.port).toBe(0);
  });

  it('warns when binding beyond loopback', () => {
    expect(resolveListenConfig({ ...base, host: '0.0.0.0' }, {}, {}).warnings[0]).toMatch(/exposes the receiver/);
  });
});

describe('parseSize', () => {
  it.each([
    ['20mb', 20 * 1024 * 1024],
    ['20MB', 20 * 1024 * 1024],
    ['512kb', 512 * 1024],
    ['1.5gb', 1.5 * 1024 ** 3],
    ['1048576', 1048576],
    ['64 m', 64 * 1024 * 1024],
  ])('reads %s', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', 'mb', '10tb', '-5mb', '0', 'ten'])('refuses %j', (text) => {
    expect(parseSize(text)).toBeUndefined();
  });
});

describe('maskSecret', () => {
  it('never shows a whole secret', () => {
    const secret = 'Zx3kP9qLm2VbN7tR1cYwE';
    expect(maskSecret(secret)).not.toContain(secret);
    expect(maskSecret(secret)).toBe('Zx3k…wE (21 chars)');
    expect(maskSecret('short')).toBe('****');
  });
});
