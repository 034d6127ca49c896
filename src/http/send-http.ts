import { type IncomingHttpHeaders, request as requestHttp } from 'node:http';
import { request as requestHttps } from 'node:https';

/**
 * The one outgoing HTTP call of the tool (Metriport's API, trigger, replay, forwarding, the emulator's sends).
 *
 * Built on node:http rather than the global fetch: Node 20's fetch (undici) leaves its promise pending for
 * ever when a server accepts the connection and closes it at once (a crashed proxy, a firewall that resets),
 * and AbortSignal.timeout does not keep the process alive, so the CLI exited 13 with nothing said. Here every
 * failure settles, and the deadline is a timer that holds the process open until it fires.
 */
export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  /** Sent exactly as given. */
  body?: Buffer | string | undefined;
  /** From the call to the end of the response body, connecting included (see `idleTimeout`). */
  timeoutMs: number;
  /**
   * Count `timeoutMs` as time without any data instead of the whole exchange: the timer restarts when the
   * connection opens, when the answer starts and on every chunk of it. This is axios's `timeout` (a socket
   * idle timeout), which Metriport's webhook sender uses; a slow but steady answer is not cut.
   */
  idleTimeout?: boolean | undefined;
  /** Response bytes kept; the rest is read and dropped, so a huge answer cannot exhaust memory. Default 1 MiB. */
  maxResponseBytes?: number | undefined;
  /**
   * Past `maxResponseBytes`, answer at once (`truncated`) and close the connection instead of reading the rest:
   * for a caller that will refuse a cut answer anyway, so an endless one ends at the bound, not at the timeout.
   */
  stopAtLimit?: boolean | undefined;
  /** Gives up at once when aborted (`code` ABORTED). */
  signal?: AbortSignal | undefined;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body was longer than `maxResponseBytes` and was cut there. */
  truncated: boolean;
}

/** `code` is `TIMEOUT`, or the socket error's code (`ECONNREFUSED`, `ECONNRESET`, …). */
export class HttpFailure extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpFailure';
    this.code = code;
  }
}

export type SendHttp = (request: HttpRequest) => Promise<HttpResponse>;

const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

export const sendHttp: SendHttp = (request) =>
  new Promise<HttpResponse>((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch (error) {
      reject(new HttpFailure('BAD_URL', `${request.url} is not a URL`, { cause: error }));
      return;
    }
    const limit = request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const body = request.body === undefined ? undefined : typeof request.body === 'string' ? Buffer.from(request.body) : request.body;
    const headers = { ...request.headers, ...(body === undefined ? {} : { 'content-length': String(body.length) }) };
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const fail = (error: HttpFailure) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outgoing.destroy();
      reject(error);
    };
    // A timer that is not unref'd: while a call is pending, the process cannot run out of things to wait for.
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () =>
          fail(
            new HttpFailure(
              'TIMEOUT',
              request.idleTimeout ? `no data for ${request.timeoutMs} ms` : `no answer within ${request.timeoutMs} ms`,
            ),
          ),
        request.timeoutMs,
      );
    };
    const rearm = () => {
      if (request.idleTimeout && !settled) arm();
    };
    const send = url.protocol === 'https:' ? requestHttps : url.protocol === 'http:' ? requestHttp : undefined;
    if (send === undefined) {
      reject(new HttpFailure('BAD_URL', `${request.url} is not an http(s) URL`));
      return;
    }
    const outgoing = send(url, { method: request.method, headers }, (incoming) => {
      rearm();
      const chunks: Buffer[] = [];
      let kept = 0;
      let truncated = false;
      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks), truncated });
      };
      incoming.on('data', (chunk: Buffer) => {
        rearm();
        if (kept >= limit) {
          truncated = true;
        } else {
          const piece = kept + chunk.length > limit ? chunk.subarray(0, limit - kept) : chunk;
          truncated ||= piece.length < chunk.length;
          chunks.push(piece);
          kept += piece.length;
        }
        if (truncated && request.stopAtLimit) {
          finish();
          outgoing.destroy();
        }
      });
      incoming.on('error', (error: NodeJS.ErrnoException) => fail(socketFailure(error)));
      incoming.on('aborted', () => fail(new HttpFailure('ECONNRESET', 'the connection closed in the middle of the answer (ECONNRESET)')));
      incoming.on('end', finish);
    });
    arm();
    // A socket an agent reuses is connected already: only a new one has a connection to wait for.
    outgoing.on('socket', (socket) => {
      if (socket.connecting) socket.once('connect', rearm);
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => fail(socketFailure(error)));
    if (request.signal !== undefined) {
      const onAbort = () => fail(new HttpFailure('ABORTED', 'stopped before an answer came'));
      if (request.signal.aborted) onAbort();
      else request.signal.addEventListener('abort', onAbort, { once: true });
    }
    outgoing.end(body);
  });

function socketFailure(error: NodeJS.ErrnoException): HttpFailure {
  const code = error.code ?? 'ENETWORK';
  return new HttpFailure(code, describeSocketError(code, error.message), { cause: error });
}

function describeSocketError(code: string, message: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'nothing listens there (ECONNREFUSED)';
    case 'ECONNRESET':
      return 'the connection was closed without an answer (ECONNRESET)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name could not be resolved (${code})`;
    case 'ETIMEDOUT':
      return 'the connection timed out (ETIMEDOUT)';
    default:
      return `${message} (${code})`;
  }
}

/** A response header as one string. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
