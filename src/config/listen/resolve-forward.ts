import { usageError } from '../../errors.js';
import { requireHttpUrl } from '../../util/http-url.js';
import { parseDuration } from '../../util/units.js';
import type { ForwardConfig } from './listen-config.js';
import type { ListenFlags } from './listen-options.js';

export const DEFAULT_FORWARD_TIMEOUT = '4000ms';
export const DEFAULT_FORWARD_CONCURRENCY = 4;

const FRAMING = 'it frames the request, which is sent with the exact bytes received';
const METRIPORT = "it is Metriport's, passed on as received so your app verifies what Metriport sent";
const BODY = 'it says how to read the exact bytes forwarded';

/**
 * Headers `--header` may not add or replace, and why: the ones that frame the HTTP request (a replaced
 * Content-Length or Transfer-Encoding makes the app read another body than the one verified), and the ones
 * that carry Metriport's signature and the meaning of the body (a replaced signature would pass or fail the
 * app's own verification on our say-so).
 */
const RESERVED_HEADERS: Readonly<Record<string, string>> = {
  'content-length': FRAMING,
  'transfer-encoding': FRAMING,
  host: FRAMING,
  connection: FRAMING,
  'keep-alive': FRAMING,
  'proxy-connection': FRAMING,
  upgrade: FRAMING,
  te: FRAMING,
  trailer: FRAMING,
  expect: FRAMING,
  'x-metriport-signature': METRIPORT,
  'x-webhook-key': METRIPORT,
  'content-type': BODY,
  'content-encoding': BODY,
};

/** `--forward-to` and the flags that only mean something with it. */
export function resolveForward(
  flags: Pick<ListenFlags, 'forwardTo' | 'header' | 'forwardTimeout' | 'forwardConcurrency' | 'ack'>,
): ForwardConfig | undefined {
  const extras = flags.header ?? [];
  if (flags.forwardTo === undefined) {
    if (extras.length > 0 || flags.ack || flags.forwardTimeout !== undefined || flags.forwardConcurrency !== undefined) {
      throw usageError(
        'FORWARD_FLAGS_WITHOUT_TARGET',
        '--header, --ack, --forward-timeout and --forward-concurrency need --forward-to.',
        'Add --forward-to <your app URL>, e.g. http://127.0.0.1:3000/webhook.',
      );
    }
    return undefined;
  }
  requireHttpUrl({
    name: '--forward-to',
    value: flags.forwardTo,
    code: 'BAD_FORWARD_URL',
    hint: "Pass your app's webhook URL, e.g. http://127.0.0.1:3000/webhook.",
  });
  const headers: Record<string, string> = {};
  for (const header of extras) {
    const colon = header.indexOf(':');
    const name = header.slice(0, colon).trim();
    const value = header.slice(colon + 1).trim();
    if (colon <= 0 || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name) || /[\r\n\0]/.test(value)) {
      throw usageError(
        'BAD_HEADER',
        `--header ${JSON.stringify(header)} is not "Name: value" on one line.`,
        'Write it like --header "Authorization: Bearer dev-token".',
      );
    }
    const reserved = RESERVED_HEADERS[name.toLowerCase()];
    if (reserved !== undefined) {
      throw usageError(
        'RESERVED_HEADER',
        `--header ${name} cannot be set: ${reserved}.`,
        'Drop it; pass only headers of your own, e.g. --header "Authorization: Bearer dev-token".',
      );
    }
    headers[name.toLowerCase()] = value;
  }
  const timeoutMs = parseDuration(flags.forwardTimeout ?? DEFAULT_FORWARD_TIMEOUT, 'ms');
  if (timeoutMs === undefined) {
    throw usageError(
      'BAD_FORWARD_TIMEOUT',
      `--forward-timeout ${JSON.stringify(flags.forwardTimeout)} is not a duration.`,
      "Pass milliseconds (4000) or a duration (4s); keep it under Metriport's 5 s.",
    );
  }
  const concurrency = Number(flags.forwardConcurrency ?? DEFAULT_FORWARD_CONCURRENCY);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw usageError(
      'BAD_FORWARD_CONCURRENCY',
      `--forward-concurrency ${JSON.stringify(flags.forwardConcurrency)} is not a number from 1 to 256.`,
      'Pass e.g. --forward-concurrency 4.',
    );
  }
  return { url: flags.forwardTo, headers, timeoutMs, concurrency, ack: flags.ack ?? false };
}
