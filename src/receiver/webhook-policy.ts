import type { IncomingMessage, ServerResponse } from 'node:http';
import { whenSettled } from '../util/maybe-promise.js';
import { perTurn } from '../util/per-turn.js';
import { LEGACY_KEY_HEADER, SIGNATURE_HEADER } from '../webhook/signature.js';
import { type ByteBudget, poolFor } from './byte-budget.js';
import type { Receiver, ReceiverReply } from './receiver.js';
import { senderOf } from './sender.js';
import type { StallWatch } from './stall-watch.js';

export interface WebhookPolicyOptions {
  receiver: Receiver;
  /** Largest body accepted, in bytes (`--max-body`): larger ones get 413. */
  maxBodyBytes: number;
  /** Bytes held for bodies not yet verified, shared by all requests: charged as they arrive. */
  budget: ByteBudget;
  /** Bodies that stop arriving are refused (408) after this long without a byte. */
  stalls: StallWatch;
  /** Told about errors that are the tool's own fault (answered 500 with no body). */
  onInternalError: (error: Error) => void;
}

/** A request handler in Node's own shape, as octokit's `createMiddleware` hands one to any server. */
export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * The webhook request policy, written once and free of any framework: every POST to the webhook path, however
 * the server routed it, goes through these steps in this order, each refusing before the next costs anything:
 *
 * 1. a credential header (signature or legacy key), else 401 before the body is read;
 * 2. `--max-body`, by the announced length, else 413;
 * 3. the unverified-byte budget: a body announced larger than the budget has room for gets 503 before it is
 *    read (Metriport counts it failed; `retry` resends it); nothing is reserved for an announcement, so
 *    sockets that announce big bodies and send nothing hold nothing;
 * 4. the body counted against both as it arrives (chunked or not), and refused (408) when it stops arriving;
 * 5. `receiver.handle` (verify, parse, store, forward);
 * 6. the answer. A refusal before the body is read ends its connection (see connection-book.ts); the
 *    receiver's answers keep it.
 */
export function createWebhookPolicy(options: WebhookPolicyOptions): RequestHandler {
  const { receiver, maxBodyBytes, budget, stalls, onInternalError } = options;
  const answers = answerWriter();

  return (request, response) => {
    const { headers } = request;
    const refuseEarly = (reply: ReceiverReply, extra?: readonly string[]) => answers.write(response, reply, { close: true, extra });
    if (headers[SIGNATURE_HEADER] === undefined && headers[LEGACY_KEY_HEADER] === undefined) {
      receiver.noteUnverified('header-missing', senderOf(request));
      refuseEarly({ status: 401 });
      return;
    }
    const declared = declaredLength(headers['content-length']);
    const tooLarge = () => {
      receiver.noteRejected(413, { reason: 'too-large', limitBytes: maxBodyBytes }, senderOf(request));
      refuseEarly({ status: 413 });
    };
    if (declared !== undefined && declared > maxBodyBytes) return tooLarge();
    const pool = poolFor(declared);
    const busy = () => {
      receiver.noteRejected(503, { reason: 'busy', limitBytes: budget.bound(pool) }, senderOf(request));
      refuseEarly({ status: 503 }, ['retry-after', '1']);
    };
    if (declared !== undefined && declared > budget.bound(pool) - budget.held(pool)) return busy();
    let held = 0;
    const chunks: Buffer[] = [];
    let received = 0;
    // Once refused (or complete), whatever else arrives is dropped; the connection closes after the answer.
    let settled = false;
    const stall = stalls.watch(() => {
      if (settled) return;
      settled = true;
      receiver.noteRejected(408, { reason: 'stalled', declaredBytes: declared, receivedBytes: received }, senderOf(request));
      refuseEarly({ status: 408 });
    });
    response.once('close', () => {
      stall.done();
      budget.give(pool, held);
    });
    request.on('data', (chunk: Buffer) => {
      if (settled) return;
      received += chunk.length;
      if (received > maxBodyBytes) {
        settled = true;
        return tooLarge();
      }
      if (!budget.take(pool, chunk.length)) {
        settled = true;
        return busy();
      }
      held += chunk.length;
      stall.touch();
      chunks.push(chunk);
    });
    // 'error' and 'end' come at most once each, and one excludes the other.
    request.on('error', (error) => {
      if (settled) return;
      settled = true;
      receiver.noteRejected(400, { reason: 'unreadable', detail: error.message }, senderOf(request));
      refuseEarly({ status: 400 });
    });
    request.on('end', () => {
      if (settled) return;
      // Whatever the socket does after this (a reset while the answer is on its way) is no refusal.
      settled = true;
      stall.done();
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received);
      const failed = (error: unknown): undefined => {
        onInternalError(error instanceof Error ? error : new Error(String(error)));
        answers.write(response, { status: 500 });
        return undefined;
      };
      try {
        // Answers go out at the end of the turn in which they are decided, together with the others of that turn.
        whenSettled(receiver.handle({ headers, body, from: senderOf(request) }), (reply) => answers.later(response, reply), failed);
      } catch (error) {
        failed(error);
      }
    });
  };
}

/** The announced body length, when it is a usable one (absent for a chunked body). */
function declaredLength(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const declared = Number(header);
  return Number.isFinite(declared) && declared >= 0 ? declared : undefined;
}

/**
 * Writes answers in the shape Fastify would, minus its per-request machinery. The usual answer
 * (`{ received: true }`) is one shared object, so its text is made once, not per request.
 */
function answerWriter() {
  let lastBody: Record<string, unknown> | undefined;
  let lastText = '';
  const write = (
    response: ServerResponse,
    reply: ReceiverReply,
    options: { close?: boolean; extra?: readonly string[] | undefined } = {},
  ) => {
    if (response.destroyed || response.headersSent) return undefined;
    if (options.close) response.shouldKeepAlive = false;
    const headers: string[] = options.extra === undefined ? [] : [...options.extra];
    if (reply.body === undefined) {
      headers.push('content-length', '0');
      response.writeHead(reply.status, headers);
      response.end();
      return undefined;
    }
    if (reply.body !== lastBody) {
      lastBody = reply.body;
      lastText = JSON.stringify(reply.body);
    }
    headers.push('content-type', JSON_CONTENT_TYPE, 'content-length', String(Buffer.byteLength(lastText)));
    response.writeHead(reply.status, headers);
    response.end(lastText);
    return undefined;
  };
  const batch = perTurn<{ response: ServerResponse; reply: ReceiverReply }>((due) => {
    for (const { response, reply } of due) write(response, reply);
  });
  return { write, later: (response: ServerResponse, reply: ReceiverReply) => batch.add({ response, reply }) };
}
