import { arch, platform } from 'node:os';
import { MwError } from '../errors.js';
import { redactSecrets } from '../util/secret.js';
import type { OpenTunnelOptions, Tunnel } from './tunnel.js';

/** The part of `@ngrok/ngrok` this module uses; tests inject a fake, since the ngrok cloud is out of reach. */
export interface NgrokSdk {
  forward(config: {
    addr: string;
    authtoken: string;
    domain?: string;
    onStatusChange?: (status: string) => void;
  }): Promise<{ url(): string | null; close(): Promise<void> }>;
}

export interface NgrokTunnelOptions extends OpenTunnelOptions {
  authtoken: string;
  domain?: string | undefined;
  /** `forward()` can hang forever when ngrok accepts TCP but never answers, so it is raced against this. */
  timeoutMs: number;
  /** How long a dropped connection may stay down before the tunnel counts as lost for good. */
  lostAfterMs: number;
  loadSdk?: () => Promise<NgrokSdk>;
}

const loadRealSdk = async (): Promise<NgrokSdk> => (await import('@ngrok/ngrok')) as unknown as NgrokSdk;

/** Opens an ngrok HTTP tunnel to the receiver, mapping every failure to one sentence with a next step. */
export async function openNgrokTunnel(options: NgrokTunnelOptions): Promise<Tunnel> {
  let sdk: NgrokSdk;
  try {
    sdk = await (options.loadSdk ?? loadRealSdk)();
  } catch (error) {
    throw new MwError(`The ngrok SDK could not load its native module for this platform (${platform()}-${arch()}).`, {
      code: 'NGROK_NATIVE_MISSING',
      category: 'internal',
      hint: 'Reinstall with `npm ci` (its optional dependencies carry the binary), or run your own tunnel and pass --public-url.',
      cause: error,
    });
  }

  let lostTimer: NodeJS.Timeout | undefined;
  // The SDK also reports 'closed' while a first connection fails; that is forward()'s error to report, not a drop.
  let opened = false;
  const onStatusChange = (status: string) => {
    if (!opened) return;
    if (status === 'connected') {
      clearTimeout(lostTimer);
      lostTimer = undefined;
      options.onState('connected');
    } else if (status === 'closed' && lostTimer === undefined) {
      options.onState('reconnecting');
      lostTimer = setTimeout(() => options.onState('lost'), options.lostAfterMs);
      lostTimer.unref();
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new MwError(`ngrok did not open a tunnel within ${options.timeoutMs / 1000} s.`, {
            code: 'NGROK_TIMEOUT',
            category: 'network',
            hint: 'Check your network (a proxy or firewall may hold the connection), or run your own tunnel and pass --public-url.',
          }),
        ),
      options.timeoutMs,
    );
  });
  let listener: Awaited<ReturnType<NgrokSdk['forward']>>;
  try {
    listener = await Promise.race([
      sdk.forward({
        addr: options.localAddress,
        authtoken: options.authtoken,
        ...(options.domain === undefined ? {} : { domain: options.domain }),
        onStatusChange,
      }),
      timeout,
    ]);
  } catch (error) {
    throw error instanceof MwError ? error : ngrokError(error, options);
  } finally {
    clearTimeout(timer);
  }

  opened = true;
  const url = listener.url();
  if (url === null) {
    await listener.close().catch(() => undefined);
    throw new MwError('ngrok opened a tunnel but gave it no URL.', {
      code: 'NGROK_FAILED',
      category: 'network',
      hint: 'Try again, or pass --public-url.',
    });
  }
  let closing: Promise<void> | undefined;
  return {
    url,
    close: () =>
      (closing ??= (async () => {
        clearTimeout(lostTimer);
        // close() can hang like forward() when ngrok stops answering; never let it block the exit.
        await Promise.race([listener.close().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
      })()),
  };
}

const NGROK_ERRORS: Record<
  string,
  { code: string; category: 'auth' | 'network' | 'usage'; message: (domain: string) => string; hint: string }
> = {
  ERR_NGROK_4018: {
    code: 'NGROK_NO_AUTHTOKEN',
    category: 'auth',
    message: () => 'ngrok needs an authtoken to open a tunnel.',
    hint: 'Get one at https://dashboard.ngrok.com/get-started/your-authtoken and set NGROK_AUTHTOKEN (or pass --ngrok-authtoken).',
  },
  ERR_NGROK_105: {
    code: 'NGROK_BAD_AUTHTOKEN',
    category: 'auth',
    message: () => 'ngrok rejected the authtoken.',
    hint: 'Copy it again from https://dashboard.ngrok.com/get-started/your-authtoken into NGROK_AUTHTOKEN.',
  },
  ERR_NGROK_108: {
    code: 'NGROK_SESSION_LIMIT',
    category: 'usage',
    message: () => 'ngrok refused a new session: your account already has as many agent sessions online as its plan allows.',
    hint: 'Stop the other ngrok agent or listen (https://dashboard.ngrok.com/agents), or run your own tunnel and pass --public-url.',
  },
  ERR_NGROK_326: {
    code: 'NGROK_DOMAIN_INVALID',
    category: 'usage',
    message: (domain) => `ngrok does not let this account use the domain "${domain}".`,
    hint: 'Check --ngrok-domain / NGROK_DOMAIN against https://dashboard.ngrok.com/domains, or drop it for a random URL.',
  },
  ERR_NGROK_334: {
    code: 'NGROK_DOMAIN_IN_USE',
    category: 'usage',
    message: (domain) => `The ngrok domain "${domain}" is already online in another session.`,
    hint: 'Stop the other session that uses it, or pick another --ngrok-domain.',
  },
};

/** Maps an SDK failure to an MwError; the authtoken is scrubbed from anything shown. */
export function ngrokError(error: unknown, options: { authtoken: string; domain?: string | undefined }): MwError {
  const errorCode = (error as { errorCode?: unknown }).errorCode;
  const known = typeof errorCode === 'string' ? NGROK_ERRORS[errorCode] : undefined;
  const raw = redactSecrets(error instanceof Error ? error.message : String(error), [options.authtoken]);
  if (known !== undefined) {
    return new MwError(known.message(options.domain ?? ''), { code: known.code, category: known.category, hint: known.hint, cause: error });
  }
  if (/failed to connect session|establish tcp connection|dns|resolve/i.test(raw)) {
    return new MwError(`Could not reach ngrok (${raw}).`, {
      code: 'NGROK_UNREACHABLE',
      category: 'network',
      hint: 'Check your network connection, or run your own tunnel and pass --public-url (or --no-tunnel to stay local).',
      cause: error,
    });
  }
  return new MwError(`ngrok could not open a tunnel (${typeof errorCode === 'string' ? `${errorCode}: ` : ''}${raw}).`, {
    code: 'NGROK_FAILED',
    category: 'network',
    hint: 'See https://ngrok.com/docs/errors for the code, or run your own tunnel and pass --public-url.',
    cause: error,
  });
}
