import { WEBHOOK_USER_AGENT } from '../metriport/types.js';
import { SIGNATURE_HEADER, sign } from './signature.js';

export interface DeliverOptions {
  url: string;
  /** Sent exactly as given: never re-serialised. */
  body: Buffer;
  headers: Record<string, string>;
  timeoutMs: number;
  fetch?: typeof fetch;
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
    const response = await (options.fetch ?? fetch)(options.url, {
      method: 'POST',
      headers: options.headers,
      // A Buffer is a Uint8Array over an ArrayBuffer here; the cast only narrows the type, no copy is made.
      body: options.body as Uint8Array<ArrayBuffer>,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const responseText = await response.text().catch(() => '');
    const ok = response.status >= 200 && response.status < 300;
    return { ok, status: response.status, responseText, durationMs: elapsed(), detail: ok ? 'OK' : `Request failed with status code ${response.status}` };
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const detail = timedOut ? `timeout of ${options.timeoutMs}ms exceeded` : (cause?.code ?? cause?.message ?? (error as Error).message);
    return { ok: false, status: undefined, responseText: '', durationMs: elapsed(), detail };
  }
}

/** The headers Metriport sends with a webhook request, signed over `body` with `webhookKey`. */
export function metriportHeaders(body: Buffer, webhookKey: string): Record<string, string> {
  return { 'content-type': 'application/json', 'user-agent': WEBHOOK_USER_AGENT, [SIGNATURE_HEADER]: sign(webhookKey, body) };
}
