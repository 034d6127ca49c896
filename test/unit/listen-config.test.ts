import { describe, expect, it } from 'vitest';
import type { ListenFlags } from '../../src/config/listen/listen-options.js';
import { resolveListenConfig } from '../../src/config/listen/resolve.js';
import { webhookUrlFor } from '../../src/config/listen/resolve-tunnel.js';
import { MwError } from '../../src/errors.js';
import { describeSources, redactUrl } from '../../src/output/settings.js';
import { maskSecret } from '../../src/util/secret.js';
import { parseSize } from '../../src/util/units.js';

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
      mode: 'local',
      receiver: { host: '127.0.0.1', port: 4747, path: '/webhook', maxBodyBytes: 64 * 1024 * 1024, events: [] },
      capture: { outDir: undefined, jsonlFile: undefined },
      output: { json: false, preview: 'preview', verbose: false },
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
    [{ emulator: true, tunnel: false }, 'EMULATOR_CONFLICT'],
  ])('refuses %j with %s', (flags, code) => {
    expect(usageCode(() => resolveListenConfig({ ...base, ...flags }, {}, {}))).toBe(code);
  });

  it('parses --events and --port 0', () => {
    const config = resolveListenConfig({ ...base, events: 'medical., patient.admit', port: '0' }, {}, {});
    expect(config.receiver.events).toEqual(['medical.', 'patient.admit']);
    expect(config.receiver.port).toBe(0);
  });

  it.each([
    [{ publicUrl: 'https://t.example.com' }, {}, 'NO_API_KEY'],
    [{}, {}, 'NOTHING_CONFIGURED'],
    [{ apiKey: 'k' }, {}, 'NGROK_NO_AUTHTOKEN'],
    [{ forwardTo: 'ftp://x', webhookKey: 'k', tunnel: false }, {}, 'BAD_FORWARD_URL'],
    [{ ack: true, webhookKey: 'k', tunnel: false }, {}, 'FORWARD_FLAGS_WITHOUT_TARGET'],
    [{ forwardTo: 'http://127.0.0.1:3000', header: ['NoColon'], webhookKey: 'k', tunnel: false }, {}, 'BAD_HEADER'],
    [{ forwardTo: 'http://127.0.0.1:3000', forwardConcurrency: '0', webhookKey: 'k', tunnel: false }, {}, 'BAD_FORWARD_CONCURRENCY'],
    [{ publicUrl: 'https://localhost.example.com', apiKey: 'k' }, {}, 'URL_BLOCKED'],
    [{ publicUrl: 'https://t.example.com/a0000', apiKey: 'k' }, {}, 'URL_BLOCKED'],
    [{ publicUrl: 'https://t.example.com', apiKey: 'k', env: 'production' }, {}, 'PRODUCTION_NEEDS_YES'],
    [{ publicUrl: 'https://t.example.com', apiKey: 'k' }, { METRIPORT_ENV: 'production' }, 'PRODUCTION_NEEDS_YES'],
    [{ publicUrl: 'not a url', apiKey: 'k' }, {}, 'BAD_PUBLIC_URL'],
    [{ publicUrl: 'https://t.example.com', register: false }, {}, 'NO_WEBHOOK_KEY'],
    [{ emulator: true, apiUrl: 'http://127.0.0.1:1' }, {}, 'EMULATOR_CONFLICT'],
    [{ tunnel: false, publicUrl: 'https://t.example.com', webhookKey: 'k' }, {}, 'TUNNEL_CONFLICT'],
  ])('refuses the registration flags %j (env %j) with %s before any network call', (flags, env, code) => {
    const run = () => resolveListenConfig({ tunnel: true, ...flags } as ListenFlags, env, {});
    let caught: unknown;
    try {
      run();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MwError);
    expect((caught as MwError).code).toBe(code);
  });

  it('names --yes when it refuses production', () => {
    expect(() => resolveListenConfig({ publicUrl: 'https://t.example.com', apiKey: 'k', env: 'production' }, {}, {})).toThrow(
      expect.objectContaining({ hint: expect.stringContaining('--yes') }),
    );
  });

  it('asks on a terminal, and not with --yes', () => {
    const flags: ListenFlags = { publicUrl: 'https://t.example.com', apiKey: 'k', env: 'production' };
    const confirmOf = (config: ReturnType<typeof resolveListenConfig>) =>
      config.mode === 'registered' ? config.registration.confirm : undefined;
    expect(confirmOf(resolveListenConfig(flags, {}, {}, { interactive: true }))).toBe(true);
    expect(confirmOf(resolveListenConfig({ ...flags, yes: true }, {}, {}))).toBe(false);
  });

  it('leaves the blocklist to the API when --api-url points elsewhere', () => {
    const config = resolveListenConfig({ publicUrl: 'http://127.0.0.1:4747', apiKey: 'k', apiUrl: 'http://127.0.0.1:4748' }, {}, {});
    expect(config).toMatchObject({
      mode: 'registered',
      api: { target: { environment: 'custom' } },
      tunnel: { kind: 'public-url', url: 'http://127.0.0.1:4747' },
    });
  });

  it.each([
    ['https://t.example.com', '/webhook', 'https://t.example.com/webhook'],
    ['https://t.example.com/', '/hook', 'https://t.example.com/hook'],
    ['https://proxy.example.com/apps/metriport', '/webhook', 'https://proxy.example.com/apps/metriport'],
  ])('registers %s with --path %s as %s', (publicUrl, path, expected) => {
    expect(webhookUrlFor(publicUrl, path)).toBe(expected);
  });

  it('finds the ngrok authtoken in flag > env > .env > ngrok config, and the domain', () => {
    const fromFile = { value: 'file-token', source: 'default' as const, origin: '~/.config/ngrok/ngrok.yml' };
    const resolve = (flags: ListenFlags, env: Record<string, string>, dotenv: Record<string, string>) => {
      const config = resolveListenConfig({ apiKey: 'k', ...flags }, env, dotenv, { interactive: false, ngrokConfigAuthtoken: fromFile });
      return config.mode === 'registered' ? config.tunnel : undefined;
    };
    expect(resolve({ ngrokAuthtoken: 'flag-token' }, { NGROK_AUTHTOKEN: 'env-token' }, {})).toMatchObject({
      kind: 'ngrok',
      authtoken: { value: 'flag-token' },
    });
    expect(resolve({}, { NGROK_AUTHTOKEN: 'env-token' }, {})).toMatchObject({ authtoken: { value: 'env-token' } });
    expect(resolve({}, {}, { NGROK_AUTHTOKEN: 'dotenv-token' })).toMatchObject({ authtoken: { value: 'dotenv-token' } });
    expect(resolve({}, { NGROK_DOMAIN: 'me.ngrok.app' }, {})).toMatchObject({ authtoken: { value: 'file-token' }, domain: 'me.ngrok.app' });
  });

  it('reads forwarding flags', () => {
    const config = resolveListenConfig(
      {
        ...base,
        forwardTo: 'http://127.0.0.1:3000/hook',
        header: ['Authorization: Bearer x', 'X-Env:dev'],
        forwardTimeout: '1500',
        ack: true,
      },
      {},
      {},
    );
    expect(config.forward).toEqual({
      url: 'http://127.0.0.1:3000/hook',
      headers: { authorization: 'Bearer x', 'x-env': 'dev' },
      timeoutMs: 1500,
      concurrency: 4,
      ack: true,
    });
    expect(resolveListenConfig({ ...base, forwardTo: 'http://127.0.0.1:3000' }, {}, {}).forward?.timeoutMs).toBe(4000);
  });

  it.each([
    'Content-Length: 5',
    'transfer-encoding: chunked',
    'Host: other.example.com',
    'Connection: close',
    'X-Metriport-Signature: 00',
    'X-Webhook-Key: forged',
    'Content-Type: text/plain',
    'Content-Encoding: gzip',
    'Expect: 100-continue',
  ])('refuses --header %j, which frames the request or carries what Metriport sent, naming why', (header) => {
    let caught: unknown;
    try {
      resolveListenConfig({ ...base, forwardTo: 'http://127.0.0.1:3000', header: [header] }, {}, {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({
      code: 'RESERVED_HEADER',
      exitCode: 2,
      message: expect.stringMatching(/cannot be set: it (frames|is Metriport's|says)/),
    });
  });

  it('refuses a --header value that would split into two lines', () => {
    expect(
      usageCode(() => resolveListenConfig({ ...base, forwardTo: 'http://127.0.0.1:3000', header: ['X-A: ok\r\nX-Injected: 1'] }, {}, {})),
    ).toBe('BAD_HEADER');
  });

  it('masks credentials in a --forward-to URL wherever it is shown', () => {
    expect(redactUrl('https://user:secret-pass@app.example.com/hook')).toBe('https://****:****@app.example.com/hook');
    expect(redactUrl('http://127.0.0.1:3000/hook')).toBe('http://127.0.0.1:3000/hook');
  });

  it('warns about an --events entry no type matches, with the nearest one, and keeps it', () => {
    const config = resolveListenConfig({ ...base, events: 'patient.admt,medical.,bogus.' }, {}, {});
    expect(config.receiver.events).toEqual(['patient.admt', 'medical.', 'bogus.']);
    expect(config.warnings).toEqual([
      '--events patient.admt matches no type Metriport sends today; did you mean patient.admit? (kept, in case it is new).',
      expect.stringMatching(/^--events bogus\. matches no type Metriport sends today/),
    ]);
  });

  it('warns when binding beyond loopback, and only then (127.0.0.2 is loopback, as the emulator agrees)', () => {
    expect(resolveListenConfig({ ...base, host: '0.0.0.0' }, {}, {}).warnings[0]).toMatch(/exposes the receiver/);
    expect(resolveListenConfig({ ...base, host: '192.168.1.20' }, {}, {}).warnings[0]).toMatch(/exposes the receiver/);
    for (const host of ['127.0.0.2', '::1', 'localhost']) expect(resolveListenConfig({ ...base, host }, {}, {}).warnings, host).toEqual([]);
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

describe('describeSources', () => {
  it('says where each secret came from, masked', () => {
    const config = resolveListenConfig(
      { ngrokDomain: 'me.ngrok.app', forwardTo: 'http://127.0.0.1:3000/hook' },
      { METRIPORT_API_KEY: 'sk_live_abcdefghijklmnop', NGROK_AUTHTOKEN: '2ngrokTokenValue_1234567890' },
      {},
    );
    const text = describeSources(config);
    expect(text).toContain('API: sandbox (https://api.sandbox.metriport.com) (from --env sandbox (the default))');
    expect(text).toContain('API key: sk_l…op (24 chars) from METRIPORT_API_KEY');
    expect(text).toContain('ngrok authtoken: 2ngr…90 (27 chars) from NGROK_AUTHTOKEN');
    expect(text).toContain('ngrok domain: me.ngrok.app');
    expect(text).not.toContain('sk_live_abcdefghijklmnop');
    expect(text).not.toContain('2ngrokTokenValue_1234567890');
    expect(text).toContain("Mode: public tunnel registered as the account's webhook URL, put back on exit");
    expect(text).toContain('Forwarding to http://127.0.0.1:3000/hook');
  });

  it('says what an emulator run does, not just its secrets', () => {
    const text = describeSources(resolveListenConfig({ emulator: true, out: 'caps', events: 'medical.' }, {}, {}));
    expect(text.split('\n')).toEqual([
      '  Mode: the built-in emulator is the API (--emulator): nothing public, no account',
      expect.stringMatching(/^ {2}Receiver: http:\/\/127\.0\.0\.1:4747\/webhook, bodies up to \d+ bytes$/),
      '  Events: medical.',
      expect.stringMatching(/^ {2}Capture: files in \S*caps \(owner-only\)$/),
      '  Inspector: port 4749 (or the next free one)',
      '  API: the built-in emulator, its account kept between runs',
      "  Webhook key: the emulator account's (emulator --reset makes a new one)",
    ]);
    const pinned = describeSources(resolveListenConfig({ emulator: true, webhookKey: 'whsec_pinnedKeyValue123' }, {}, {}));
    expect(pinned).toContain('Webhook key: whse…23 (23 chars) from --webhook-key');
    expect(pinned).toContain('Capture: off (messages are shown, not stored)');
  });
});
