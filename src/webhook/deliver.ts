import { brotliDecompressSync, gunzipSync, inflateSync, unzipSync } from 'node:zlib';
import { HttpFailure, headerValue, type SendHttp, sendHttp } from '../http/send-http.js';
import { WEBHOOK_USER_AGENT } from '../metriport/types.js';
import { SIGNATURE_HEADER, sign } from './signature.js';

export interface PostOptions {
  url: string;
  /** Sent exactly as given: never re-serialised. */
  body: Buffer;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Answer bytes kept (the rest is read and dropped); default 1 MiB. */
  maxResponseBytes?: number;
  send?: SendHttp;
  /**
   * Read the answer as Metriport's axios sender does: `timeoutMs` is time without data, a gzip, deflate or br
   * answer is decompressed and a UTF-8 BOM dropped before `responseText` is judged. Default false (the
   * exact bytes, an overall deadline).
   */
  asAxios?: boolean;
}

export interface PostResult {
  /** Any 2xx; redirects are not followed, so a 3xx is a failure, as with Metriport. */
  ok: boolean;
  /** HTTP status, when an answer came. */
  status: number | undefined;
  responseText: string;
  durationMs: number;
  /** "OK", "Request failed with status code 404", "timeout of 5000ms exceeded", or the socket error's code. */
  detail: string;
  /** Where a redirect pointed (not followed). */
  location?: string | undefined;
  /** The socket error's own message when no answer came (`connect ECONNREFUSED 127.0.0.1:4747`). */
  errorMessage?: string | undefined;
}

/** POSTs exact bytes with a timeout; every outcome is a result, never a throw. Used by forwarding and `sendSigned`. */
export async function postBytes(options: PostOptions): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await (options.send ?? sendHttp)({
      method: 'POST',
      url: options.url,
      headers: options.headers,
      body: options.body,
      timeoutMs: options.timeoutMs,
      maxResponseBytes: options.maxResponseBytes,
      idleTimeout: options.asAxios,
    });
    const ok = response.status >= 200 && response.status < 300;
    const location = headerValue(response.headers, 'location');
    const text = options.asAxios
      ? axiosText(response.body, headerValue(response.headers, 'content-encoding'))
      : response.body.toString('utf8');
    return {
      ok,
      status: response.status,
      responseText: text,
      durationMs: elapsed(),
      detail: ok ? 'OK' : `Request failed with status code ${response.status}`,
      location,
    };
  } catch (error) {
    const code = error instanceof HttpFailure ? error.code : 'ENETWORK';
    const detail = code === 'TIMEOUT' ? `timeout of ${options.timeoutMs}ms exceeded` : code;
    const cause = error instanceof Error ? error.cause : undefined;
    const errorMessage = cause instanceof Error ? cause.message : undefined;
    return { ok: false, status: undefined, responseText: '', durationMs: elapsed(), detail, errorMessage };
  }
}

/**
 * An answer's text as axios hands it over: decompressed when `content-encoding` says gzip, deflate, compress
 * or br (a body that does not decompress is kept as it came), then without a leading UTF-8 BOM.
 */
function axiosText(body: Buffer, encoding: string | undefined): string {
  let bytes = body;
  try {
    switch (encoding?.trim().toLowerCase()) {
      case 'gzip':
      case 'x-gzip':
        bytes = gunzipSync(body);
        break;
      case 'compress':
      case 'x-compress':
        bytes = unzipSync(body);
        break;
      case 'deflate':
        bytes = inflateSync(body);
        break;
      case 'br':
        bytes = brotliDecompressSync(body);
        break;
    }
  } catch {
    bytes = body;
  }
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** What axios adds to every request Metriport makes, whatever else is sent. */
export const AXIOS_HEADERS = { accept: 'application/json, text/plain, */*', 'accept-encoding': 'gzip, compress, deflate, br' } as const;

/**
 * The headers Metriport sends with a webhook request, signed over `body` with `webhookKey`: its own three, and
 * the `Accept` and `Accept-Encoding` axios adds to every request it makes.
 */
export function metriportHeaders(body: Buffer, webhookKey: string): Record<string, string> {
  return {
    accept: AXIOS_HEADERS.accept,
    'content-type': 'application/json',
    'user-agent': WEBHOOK_USER_AGENT,
    [SIGNATURE_HEADER]: sign(webhookKey, body),
    'accept-encoding': AXIOS_HEADERS['accept-encoding'],
  };
}

/**
 * Sends a webhook request as Metriport does: these bytes, signed with the webhook key, Metriport's headers,
 * the answer read as axios reads it (see `asAxios`).
 */
export function sendSigned(options: { url: string; body: Buffer; webhookKey: string; timeoutMs: number }): Promise<PostResult> {
  return postBytes({
    url: options.url,
    body: options.body,
    headers: metriportHeaders(options.body, options.webhookKey),
    timeoutMs: options.timeoutMs,
    asAxios: true,
  });
}
