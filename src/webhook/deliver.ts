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
    });
    const ok = response.status >= 200 && response.status < 300;
    const location = headerValue(response.headers, 'location');
    return {
      ok,
      status: response.status,
      responseText: response.body.toString('utf8'),
      durationMs: elapsed(),
      detail: ok ? 'OK' : `Request failed with status code ${response.status}`,
      location,
    };
  } catch (error) {
    const code = error instanceof HttpFailure ? error.code : 'ENETWORK';
    const detail = code === 'TIMEOUT' ? `timeout of ${options.timeoutMs}ms exceeded` : code;
    return { ok: false, status: undefined, responseText: '', durationMs: elapsed(), detail };
  }
}

/** The headers Metriport sends with a webhook request, signed over `body` with `webhookKey`. */
export function metriportHeaders(body: Buffer, webhookKey: string): Record<string, string> {
  return { 'content-type': 'application/json', 'user-agent': WEBHOOK_USER_AGENT, [SIGNATURE_HEADER]: sign(webhookKey, body) };
}

/** Sends a webhook request as Metriport does: these bytes, signed with the webhook key, Metriport's headers. */
export function sendSigned(options: { url: string; body: Buffer; webhookKey: string; timeoutMs: number }): Promise<PostResult> {
  return postBytes({
    url: options.url,
    body: options.body,
    headers: metriportHeaders(options.body, options.webhookKey),
    timeoutMs: options.timeoutMs,
  });
}
