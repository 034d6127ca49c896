import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

// Small webhook endpoints, each the one a new integrator writes from Metriport's docs, broken one way at a
// time. The same handlers run behind a real node:http server (e2e) and behind a fake transport (unit).

export const APP_KEY = 'whk_check_key_7PqL2mZx9VbN4';

export interface AppAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Answer after this long (the work done before answering). */
  delayMs?: number;
  /** Never answer. */
  hang?: boolean;
}

export interface AppRequest {
  raw: Buffer;
  headers: IncomingHttpHeaders;
}

/** Per-app memory (the messageIds it has seen). */
export interface AppState {
  seen: Set<string>;
}

export type Handler = (request: AppRequest, state: AppState) => AppAnswer;

export function signatureOf(bytes: Buffer | string, key = APP_KEY): string {
  return createHmac('sha256', key).update(bytes).digest('hex');
}

export function verifies(bytes: Buffer | string, header: unknown, key = APP_KEY): boolean {
  if (typeof header !== 'string') return false;
  const expected = signatureOf(bytes, key);
  return header.length === expected.length && timingSafeEqual(Buffer.from(header), Buffer.from(expected));
}

type Json = any;

/** Verify over the given bytes, answer the ping, then run `work` on the parsed message. */
function handler(input: {
  verifyOver?: (raw: Buffer) => Buffer | string;
  key?: string;
  work?: (message: Json, state: AppState) => AppAnswer | undefined;
  pong?: (ping: string) => AppAnswer;
}): Handler {
  return ({ raw, headers }, state) => {
    const signed = input.verifyOver === undefined ? raw : input.verifyOver(raw);
    if (!verifies(signed, headers['x-metriport-signature'], input.key)) return { status: 401 };
    const message = JSON.parse(raw.toString('utf8'));
    if (typeof message.ping === 'string') {
      return (
        input.pong?.(message.ping) ?? {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ pong: message.ping }),
        }
      );
    }
    try {
      const answer = input.work?.(message, state);
      state.seen.add(message.meta?.messageId);
      return answer ?? { status: 200 };
    } catch {
      // What an unhandled exception in a framework's handler becomes.
      return { status: 500, body: 'Internal Server Error' };
    }
  };
}

/** Python's json.dumps(json.loads(body), separators=(",", ":")): compact, but every non-ASCII character escaped. */
function pythonDumps(raw: Buffer): string {
  return JSON.stringify(JSON.parse(raw.toString('utf8'))).replace(
    /[\u0080-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export const APPS = {
  /** As the docs say: raw bytes, constant-time compare, pong, 200, idempotent. */
  correct: handler({}),
  /** Does the work (6 s) before answering a message; the ping is answered at once. */
  slow: handler({ work: () => ({ status: 200, delayMs: 6000 }) }),
  /** Answers the ping, never a message. */
  neverAnswers: handler({ work: () => ({ status: 200, hang: true }) }),
  /** Verifies with another key (the production key against the sandbox, say). */
  wrongKey: handler({ key: 'whk_some_other_key_not_this_one' }),
  /** Verifies JSON.stringify(JSON.parse(body)): works on everything Metriport writes. */
  reserialised: handler({ verifyOver: (raw) => JSON.stringify(JSON.parse(raw.toString('utf8'))) }),
  /** Verifies json.dumps-style output: non-ASCII escaped. */
  pythonStyle: handler({ verifyOver: pythonDumps }),
  /** Redirects every request (http → https, say). */
  redirects: (() => ({ status: 302, headers: { location: 'https://app.example.com/webhook/' } })) as Handler,
  /** Treats a repeated messageId as an error. */
  duplicates500: handler({
    work: (message, state) =>
      state.seen.has(message.meta.messageId) ? { status: 500, body: 'duplicate key value violates unique constraint' } : undefined,
  }),
  /** Reads meta.requestId as always there. */
  needsRequestId: handler({
    work: (message) => {
      if (message.meta.requestId.length === 0) return { status: 400 };
      return undefined;
    },
  }),
  /** Takes the first document of every document-download. */
  needsDocuments: handler({
    work: (message) => {
      if (message.meta.type === 'medical.document-download') {
        for (const patient of message.patients) if (patient.documents[0].id === undefined) return { status: 400 };
      }
      return undefined;
    },
  }),
  /** A pong with a UTF-8 byte-order mark (some frameworks' text writers add one). */
  bomPong: handler({
    pong: (ping) => ({
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: `\uFEFF${JSON.stringify({ pong: ping })}`,
    }),
  }),
  /** A gzip-encoded pong (compression middleware on every route). */
  gzipPong: handler({
    pong: (ping) => ({
      status: 200,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ pong: ping })),
    }),
  }),
} satisfies Record<string, Handler>;

export type AppName = keyof typeof APPS;

/**
 * A real endpoint on 127.0.0.1, port 0. `serial`: one request at a time, each taking `serialMs` (a worker
 * that handles messages in turn); the others answer each request on its own.
 */
export async function serveApp(input: { handler: Handler; serialMs?: number; extraHeaders?: Record<string, string> }): Promise<{
  url: string;
  requests: () => number;
  close: () => Promise<void>;
}> {
  const state: AppState = { seen: new Set() };
  let count = 0;
  let queue = Promise.resolve();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      count += 1;
      const handle = () => {
        const answer = input.handler({ raw: Buffer.concat(chunks), headers: request.headers }, state);
        if (answer.hang) return;
        const send = () => {
          if (response.destroyed) return;
          response.writeHead(answer.status, { ...input.extraHeaders, ...answer.headers });
          response.end(answer.body ?? '');
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
      };
      if (input.serialMs === undefined) {
        handle();
        return;
      }
      queue = queue.then(
        () =>
          new Promise<void>((resolve) =>
            setTimeout(() => {
              handle();
              resolve();
            }, input.serialMs),
          ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
