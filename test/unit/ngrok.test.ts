import { describe, expect, it } from 'vitest';
import { authtokenFromNgrokConfig, ngrokConfigPaths } from '../../src/config/ngrok-config.js';
import { MwError } from '../../src/errors.js';
import { type NgrokSdk, ngrokError, openNgrokTunnel } from '../../src/tunnel/ngrok.js';

const TOKEN = '2abcDEFghiJKLmnoPQRstu_3vwxYZ0123456789abcdEF';

function sdkError(message: string, errorCode?: string): Error {
  return Object.assign(new Error(message), { code: 'GenericFailure', ...(errorCode ? { errorCode } : {}) });
}

describe('ngrok error mapping', () => {
  it.each([
    ['ERR_NGROK_4018', 'NGROK_NO_AUTHTOKEN', 'auth', /dashboard\.ngrok\.com\/get-started\/your-authtoken/],
    ['ERR_NGROK_105', 'NGROK_BAD_AUTHTOKEN', 'auth', /NGROK_AUTHTOKEN/],
    ['ERR_NGROK_108', 'NGROK_SESSION_LIMIT', 'usage', /Stop the other ngrok agent/],
    ['ERR_NGROK_326', 'NGROK_DOMAIN_INVALID', 'usage', /--ngrok-domain/],
    ['ERR_NGROK_334', 'NGROK_DOMAIN_IN_USE', 'usage', /another --ngrok-domain/],
  ])('%s → %s', (errorCode, code, category, hint) => {
    const error = ngrokError(sdkError(`failed: ${TOKEN} is bad`, errorCode), { authtoken: TOKEN, domain: 'me.ngrok.app' });
    expect(error).toMatchObject({ code, category });
    expect(error.hint).toMatch(hint);
    expect(`${error.message} ${error.hint}`).not.toContain(TOKEN);
  });

  it('names the domain', () => {
    expect(ngrokError(sdkError('x', 'ERR_NGROK_334'), { authtoken: TOKEN, domain: 'me.ngrok.app' }).message).toContain('"me.ngrok.app"');
  });

  it('maps the offline failure of the real SDK to "cannot reach ngrok"', () => {
    const error = ngrokError(sdkError('failed to connect session: failed to establish tcp connection'), { authtoken: TOKEN });
    expect(error).toMatchObject({ code: 'NGROK_UNREACHABLE', category: 'network' });
    expect(error.hint).toContain('--public-url');
  });

  it('shows an unknown failure with its code and without the token', () => {
    const error = ngrokError(sdkError(`boom with ${TOKEN}`, 'ERR_NGROK_9999'), { authtoken: TOKEN });
    expect(error.message).toBe(`ngrok could not open a tunnel (ERR_NGROK_9999: boom with ${TOKEN.slice(0, 4)}…).`);
    expect(error.message).not.toContain(TOKEN);
  });
});

describe('openNgrokTunnel', () => {
  const base = { localAddress: '127.0.0.1:4747', authtoken: TOKEN, timeoutMs: 1000, lostAfterMs: 1000, onState: () => undefined };

  it('says when the native module is missing', async () => {
    const failing = openNgrokTunnel({
      ...base,
      loadSdk: async () => Promise.reject(new Error('Cannot find module @ngrok/ngrok-linux-x64-gnu')),
    });
    await expect(failing).rejects.toMatchObject({ code: 'NGROK_NATIVE_MISSING' });
  });

  it('gives up on a forward() that never settles', async () => {
    const hanging: NgrokSdk = { forward: () => new Promise(() => undefined) };
    const error = await openNgrokTunnel({ ...base, timeoutMs: 30, loadSdk: async () => hanging }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MwError);
    expect(error).toMatchObject({ code: 'NGROK_TIMEOUT', category: 'network' });
  });

  it('passes the address, token and domain, and closes once', async () => {
    const calls: unknown[] = [];
    let closes = 0;
    const sdk: NgrokSdk = {
      forward: async (config) => {
        calls.push(config);
        return {
          url: () => 'https://abc.ngrok-free.app',
          close: async () => {
            closes += 1;
          },
        };
      },
    };
    const tunnel = await openNgrokTunnel({ ...base, domain: 'me.ngrok.app', loadSdk: async () => sdk });
    expect(tunnel.url).toBe('https://abc.ngrok-free.app');
    expect(calls[0]).toMatchObject({ addr: '127.0.0.1:4747', authtoken: TOKEN, domain: 'me.ngrok.app' });
    await Promise.all([tunnel.close(), tunnel.close()]);
    await tunnel.close();
    expect(closes).toBe(1);
  });
});

describe('ngrok config file', () => {
  it.each([
    ['authtoken: abc123_DEF\n', 'abc123_DEF'],
    ['version: "3"\nagent:\n  authtoken: "v3token-xyz"\n', 'v3token-xyz'],
    ["version: 2\nauthtoken: 'quoted' # comment\nregion: eu\n", 'quoted'],
    ['version: 2\nregion: eu\n', undefined],
  ])('reads %j', (text, token) => {
    expect(authtokenFromNgrokConfig(text)).toBe(token);
  });

  it('looks where the agent keeps it', () => {
    expect(ngrokConfigPaths({ env: {}, home: '/home/u', platform: 'linux' })).toEqual([
      '/home/u/.config/ngrok/ngrok.yml',
      '/home/u/.ngrok2/ngrok.yml',
    ]);
    expect(ngrokConfigPaths({ env: { XDG_CONFIG_HOME: '/x' }, home: '/home/u', platform: 'linux' })[0]).toBe('/x/ngrok/ngrok.yml');
    expect(ngrokConfigPaths({ env: {}, home: '/Users/u', platform: 'darwin' })[0]).toBe(
      '/Users/u/Library/Application Support/ngrok/ngrok.yml',
    );
  });
});
