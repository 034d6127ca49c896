import { timingSafeEqual, createHash } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { listSampleTypes, newSampleMessage } from '../fixtures/samples.js';
import type { ApiErrorBody } from '../metriport/types.js';
import { webhookUrlProblem } from '../metriport/url-rules.js';
import { isRecord } from '../webhook/delivery.js';
import { Dispatcher, type DispatcherOptions } from './dispatcher.js';

/** The key `listen --emulator` and the `emulator` command use unless told otherwise. Not a secret. */
export const DEFAULT_EMULATOR_API_KEY = 'local-emulator';

export interface EmulatorOptions extends DispatcherOptions {
  apiKey: string;
  /** Accept local webhook URLs (which Metriport refuses) so a listener on 127.0.0.1 can be registered. */
  allowLocalUrls: boolean;
}

export interface EmulatorApp {
  app: FastifyInstance;
  dispatcher: Dispatcher;
}

const TITLES: Record<number, [string, string]> = {
  400: ['BAD_REQUEST', 'BadRequestError'],
  404: ['NOT_FOUND', 'NotFoundError'],
  500: ['INTERNAL_SERVER_ERROR', 'InternalServerError'],
};

/** Metriport's settings and webhook API, from the other side. Built without listening, for `inject()` and reuse. */
export function buildEmulatorApp(options: EmulatorOptions): EmulatorApp {
  const dispatcher = new Dispatcher(options);
  const app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });
  const expectedKey = digest(options.apiKey);

  // Metriport's gateway rejects a missing or wrong key before any route runs.
  app.addHook('onRequest', async (request, reply) => {
    const key = request.headers['x-api-key'];
    if (typeof key !== 'string' || !timingSafeEqual(digest(key), expectedKey)) {
      return reply.code(403).send({ message: 'Forbidden' });
    }
  });

  app.get('/settings', async () => dispatcher.getSettings());

  app.post('/settings', async (request, reply) => {
    const body = request.body;
    if (!isRecord(body) || Object.keys(body).some((key) => key !== 'webhookUrl') || typeof body.webhookUrl !== 'string') {
      return sendError(reply, 400, 'Invalid request body: only {"webhookUrl": string} is accepted');
    }
    if (body.webhookUrl !== '' && webhookUrlProblem(body.webhookUrl, { allowLocal: options.allowLocalUrls }) !== undefined) {
      return sendError(reply, 400, 'Invalid URL');
    }
    const { settings, ping } = dispatcher.updateWebhookUrl(body.webhookUrl);
    void ping.catch(() => undefined);
    return settings;
  });

  app.get('/settings/webhook', async (_request, reply) => {
    if (!dispatcher.hasSettings()) return sendError(reply, 404, 'Settings not found');
    return dispatcher.webhookStatus();
  });

  app.post('/settings/webhook/retry', async (_request, reply) => {
    dispatcher.retryFailed();
    return reply.type('text/plain; charset=utf-8').send('OK');
  });

  app.post('/settings/webhook/sample-payload', async (request, reply) => {
    const body = request.body;
    if (!isRecord(body) || !isRecord(body.meta) || typeof body.meta.type !== 'string') {
      return sendError(reply, 400, 'The body must be a JSON object with meta.type');
    }
    if (!dispatcher.hasWebhookUrl()) return sendError(reply, 400, 'No webhook URL configured');
    const { url, result } = await dispatcher.sendUnrecorded(body);
    return { status: result.ok ? 'success' : 'failure', webhookResponse: parseMaybe(result.responseText), url, durationMillis: result.durationMs };
  });

  // Emulator only: make it send a message as Metriport would (stored, counted, retryable).
  app.post('/emulator/messages', async (request, reply) => {
    const body = request.body;
    if (!isRecord(body)) return sendError(reply, 400, 'The body must be a JSON object: a full payload or {"type": "<meta.type>"}');
    let payload = body;
    if (!('meta' in body) && typeof body.type === 'string') {
      const sample = newSampleMessage(body.type, new Date());
      if (sample === undefined || body.type === 'ping') {
        return sendError(reply, 400, `No sample for "${body.type}"; samples: ${listSampleTypes().filter((type) => type !== 'ping').join(', ')}`);
      }
      payload = sample;
    }
    if (!dispatcher.hasWebhookUrl()) return sendError(reply, 400, 'No webhook URL configured: set one with POST /settings first');
    return dispatcher.send(payload);
  });

  app.setNotFoundHandler(async (request, reply) => sendError(reply, 404, `Route ${request.method} ${request.url} not found`));
  app.setErrorHandler(async (error: FastifyError, _request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? 400 : 500;
    return sendError(reply, status, status === 400 ? error.message : 'Internal server error');
  });

  return { app, dispatcher };
}

export interface RunningEmulator {
  url: string;
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

/** Starts the emulator on `host:port` (0 picks a free port). */
export async function startEmulator(options: EmulatorOptions & { host: string; port: number }): Promise<RunningEmulator> {
  const { app, dispatcher } = buildEmulatorApp(options);
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${options.host}:${port}`,
    dispatcher,
    close: () =>
      (closing ??= (async () => {
        await app.close();
        await dispatcher.idle();
      })()),
  };
}

function sendError(reply: FastifyReply, status: number, detail: string): FastifyReply {
  const [title, name] = TITLES[status] ?? ['ERROR', 'Error'];
  const body: ApiErrorBody = { status, title, detail, name };
  return reply.code(status).send(body);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function parseMaybe(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
