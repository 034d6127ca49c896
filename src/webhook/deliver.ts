import { HttpFailure, type SendHttp, sendHttp } from '../http/send.js';
import { WEBHOOK_USER_AGENT } from '../metriport/types.js';
import { SIGNATURE_HEADER, sign } from './signature.js';

export interface DeliverOptions {
  url: string;
  /** Sent exactly as given: never re-serialised. */
  body: Buffer;
  headers: Record<string, string>;
  timeoutMs: number;
  send?: SendHttp;
}

export interface DeliverResult {
  /** Any 2xx; redirects are not followed, so a 3xx is a failure, as with Metriport. */
  ok: boolean;
  /** HTTP status, when an answer came. */
  status: number | undefined;
  responseText: string;
  durationMs: number;
  /** Metriport-style text: "OK", "Request failed with status code 404", "timeout of 5000ms exceeded", ... */
  detail: string;
}

/** POSTs exact bytes with a timeout. Used by the emulator, `trigger`, `replay` and forwarding. */
export async function deliver(options: DeliverOptions): Promise<DeliverResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    // Redirects are not followed, so a 3xx is a failure, as with Metriport.
    const response = await (options.send ?? sendHttp)({ method: 'POST', url: options.url, headers: options.headers, body: options.body, timeoutMs: options.timeoutMs });
    const ok = response.status >= 200 && response.status < 300;
    return { ok, status: response.status, responseText: response.body.toString('utf8'), durationMs: elapsed(), detail: ok ? 'OK' : `Request failed with status code ${response.status}` };
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
