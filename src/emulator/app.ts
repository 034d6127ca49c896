import { STATUS_CODES } from 'node:http';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { listenOn } from '../http/listen-on.js';
import { type ApiErrorBody, MAX_WEBHOOK_URL_LENGTH, type WebhookRequestPage } from '../metriport/types.js';
import { blockedSubstring } from '../metriport/url-rules.js';
import { listMessageTypes, newSampleMessage } from '../samples/samples.js';
import { isRecord, jsonKind } from '../util/json.js';
import { sameSecret } from '../util/secret.js';
import { type AccountOptions, EmulatedAccount } from './account.js';

/** The key `listen --emulator` and the `emulator` command use unless told otherwise. Not a secret. */
export const DEFAULT_EMULATOR_API_KEY = 'local-emulator';

export interface EmulatorOptions extends AccountOptions {
  apiKey: string;
  /** Accept local webhook URLs (which Metriport refuses) so a listener on 127.0.0.1 can be registered. */
  allowLocalUrls: boolean;
}

export interface EmulatorApp {
  app: FastifyInstance;
  account: EmulatedAccount;
}

const MAX_PAGE_SIZE = 500;
const DEFAULT_PAGE_SIZE = 50;

/** A validation failure worded as Metriport's error handler words a ZodError: "<message>, on [<path>]". */
class ValidationError extends Error {
  constructor(readonly issues: string[]) {
    super(issues.join(', '));
  }
}

/**
 * Metriport's settings and webhook API, from the other side (its `routes/settings.ts`). Built without
 * listening, for `inject()` and reuse.
 */
export function buildEmulatorApp(options: EmulatorOptions): EmulatorApp {
  const account = new EmulatedAccount(options);
  const app = Fastify({ logger: false, bodyLimit: 20 * 1024 * 1024 });

  // Metriport's API is Express with its JSON and urlencoded parsers: any content type is accepted, an empty
  // or unknown body reads as {}, and only malformed JSON is refused.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, text, done) => {
    const type = String(request.headers['content-type'] ?? '');
    if (/json/i.test(type) && String(text).trim() !== '') {
      try {
        done(null, JSON.parse(String(text)));
      } catch (error) {
        done(Object.assign(new Error(`Unexpected token in JSON: ${(error as Error).message}`), { statusCode: 400 }), undefined);
      }
      return;
    }
    done(null, /x-www-form-urlencoded/i.test(type) ? Object.fromEntries(new URLSearchParams(String(text))) : {});
  });

  // Metriport's gateway rejects a missing or wrong key before any route runs.
  app.addHook('onRequest', async (request, reply) => {
    const key = request.headers['x-api-key'];
    if (typeof key !== 'string' || !sameSecret(key, options.apiKey)) {
      return reply.code(403).send({ message: 'Forbidden' });
    }
  });

  app.get('/settings', async () => account.getSettings());

  app.post('/settings', async (request) => {
    const { webhookUrl, mrFilters } = parseSettingsUpdate(request.body ?? {});
    if (webhookUrl) {
      const blocked = options.allowLocalUrls ? undefined : blockedSubstring(webhookUrl);
      if (blocked !== undefined) throw new MetriportError(400, 'BadRequestError', 'Invalid URL');
    }
    if (mrFilters !== undefined) account.updateMrFilters(mrFilters);
    if (!webhookUrl) return account.getSettings();
    const { settings, ping } = account.updateWebhookUrl(webhookUrl);
    void ping.catch(() => undefined);
    return settings;
  });

  app.get('/settings/webhook', async () => {
    if (!account.hasSettings()) throw new MetriportError(404, 'NotFoundError', 'Could not find settings');
    return account.webhookStatus();
  });

  app.post('/settings/webhook/retry', async (_request, reply) => {
    account.retryFailed();
    return reply.type('text/plain; charset=utf-8').send('OK');
  });

  app.get('/settings/webhook/request', async (request) => listRequests(account, request.query, `${request.protocol}://${request.host}`));

  app.post('/settings/webhook/request/:id/retry', async (request) => {
    const { id } = request.params as { id: string };
    const sent = await account.retryOne(id);
    if (sent === undefined) throw new MetriportError(404, 'NotFoundError', `Could not find webhook request ${id}`);
    return sent;
  });

  app.post('/settings/webhook/sample-payload', async (request) => {
    const body = request.body ?? {};
    if (!account.hasWebhookUrl()) throw new MetriportError(400, 'BadRequestError', 'Webhook URL and key must be configured');
    if (!isRecord(body)) throw new ValidationError([`Expected object, received ${jsonKind(body)}, on []`]);
    if (!isRecord(body.meta))
      throw new ValidationError([
        `${body.meta === undefined ? 'Required' : `Expected object, received ${jsonKind(body.meta)}`}, on [meta]`,
      ]);
    if (typeof body.meta.type !== 'string')
      throw new ValidationError([
        `${body.meta.type === undefined ? 'Required' : `Expected string, received ${jsonKind(body.meta.type)}`}, on [meta,type]`,
      ]);
    const sent = await account.sendSample(body as { meta: { type: string } } & Record<string, unknown>);
    if (!sent.ok) throw new MetriportError(500, 'WebhookError', 'Failed to send payload', { ...sent.failure });
    const { ok: _ok, ...answer } = sent;
    return answer;
  });

  // Emulator only: make it send a message as Metriport would (stored, counted, retryable).
  app.post('/emulator/messages', async (request) => {
    const body = request.body ?? {};
    if (!isRecord(body))
      throw new MetriportError(400, 'BadRequestError', 'The body must be a JSON object: a full payload or {"type": "<meta.type>"}');
    let payload = body;
    if (!('meta' in body) && typeof body.type === 'string') {
      const sample = newSampleMessage(body.type, new Date(), body.outcome === 'failed' ? 'failed' : 'completed');
      if (sample === undefined || body.type === 'ping') {
        throw new MetriportError(
          400,
          'BadRequestError',
          `No ${body.outcome === 'failed' ? 'failed ' : ''}sample for "${body.type}"; samples: ${listMessageTypes().join(', ')}`,
        );
      }
      payload = sample;
    }
    return account.send(payload);
  });

  app.setNotFoundHandler(async (request) => {
    throw new MetriportError(404, 'NotFoundError', `Cannot ${request.method} ${request.url.split('?')[0]}`);
  });
  app.setErrorHandler(async (error: FastifyError | MetriportError | ValidationError, _request, reply) => {
    if (error instanceof MetriportError)
      return sendError(reply, { status: error.status, title: error.title, detail: error.message, additionalInfo: error.additionalInfo });
    if (error instanceof ValidationError)
      return sendError(reply, { status: 400, title: 'Missing or invalid parameters', detail: error.message });
    const status = error.statusCode;
    if (status !== undefined && status >= 400 && status < 500)
      return sendError(reply, { status, title: 'MetriportError', detail: error.message });
    return sendError(reply, {
      status: 500,
      title: 'InternalServerError',
      detail: 'Please try again or reach out to support@metriport.com',
    });
  });

  return { app, account };
}

/** An error Metriport's error handler turns into `{status, title: <error class>, detail, name: <status text>}`. */
class MetriportError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly additionalInfo?: Record<string, unknown>,
  ) {
    super(detail);
  }
}

/**
 * Metriport's `updateSettingsSchema` (strict): `webhookUrl` a URL of at most 2048 characters, or `""`, `null`
 * or absent (no change); `mrFilters` optional. Words failures as its zod errors do.
 */
function parseSettingsUpdate(body: unknown): { webhookUrl: string | undefined; mrFilters: unknown } {
  if (!isRecord(body)) throw new ValidationError([`Expected object, received ${jsonKind(body)}, on []`]);
  const unknown = Object.keys(body).filter((key) => key !== 'webhookUrl' && key !== 'mrFilters');
  if (unknown.length > 0)
    throw new ValidationError([`Unrecognized key(s) in object: ${unknown.map((key) => `'${key}'`).join(', ')}, on []`]);
  const { webhookUrl, mrFilters } = body;
  if (mrFilters !== undefined && !Array.isArray(mrFilters))
    throw new ValidationError([`Expected array, received ${jsonKind(mrFilters)}, on [mrFilters]`]);
  if (webhookUrl === undefined || webhookUrl === null || webhookUrl === '') return { webhookUrl: undefined, mrFilters };
  if (typeof webhookUrl !== 'string') throw new ValidationError(['Invalid input, on [webhookUrl]']);
  const issues: string[] = [];
  if (!URL.canParse(webhookUrl)) issues.push('Invalid url, on [webhookUrl]');
  if (webhookUrl.length > MAX_WEBHOOK_URL_LENGTH)
    issues.push(`String must contain at most ${MAX_WEBHOOK_URL_LENGTH} character(s), on [webhookUrl]`);
  if (issues.length > 0) throw new ValidationError(issues);
  return { webhookUrl, mrFilters };
}

function listRequests(account: EmulatedAccount, query: unknown, origin: string): WebhookRequestPage {
  const params = isRecord(query) ? query : {};
  const count = params.count === undefined ? DEFAULT_PAGE_SIZE : Number(params.count);
  if (!Number.isInteger(count) || count < 1 || count > MAX_PAGE_SIZE) {
    throw new ValidationError([`Number must be less than or equal to ${MAX_PAGE_SIZE}, on [count]`]);
  }
  const sort = typeof params.sort === 'string' ? params.sort : 'createdAt=desc';
  if (!/^(createdAt|id)=(asc|desc)$/.test(sort)) throw new ValidationError(['Invalid sort, on [sort]']);
  const rows = account.listRequests({ ascending: sort.endsWith('=asc') });
  const start = typeof params.fromItem === 'string' ? rows.findIndex((row) => row.id === params.fromItem) : 0;
  if (start < 0) throw new MetriportError(400, 'BadRequestError', `Invalid fromItem ${String(params.fromItem)}`);
  const page = rows.slice(start, start + count);
  const next = rows[start + count];
  return {
    meta: {
      itemsOnPage: page.length,
      itemsInTotal: rows.length,
      ...(next === undefined
        ? {}
        : {
            nextPage: `${origin}/settings/webhook/request?fromItem=${encodeURIComponent(next.id)}&count=${count}&sort=${encodeURIComponent(sort)}`,
          }),
    },
    requests: page,
  };
}

export interface RunningEmulator {
  url: string;
  /** The port asked for was taken and a free one was picked (see `fallbackToFreePort`). */
  fellBack: boolean;
  account: EmulatedAccount;
  close(): Promise<void>;
}

/** Starts the emulator on `host:port` (0 picks a free port). */
export async function startEmulator(
  options: EmulatorOptions & { host: string; port: number; fallbackToFreePort?: boolean },
): Promise<RunningEmulator> {
  const { app, account } = buildEmulatorApp(options);
  const { origin, fellBack } = await listenOn(app, {
    host: options.host,
    port: options.port,
    what: 'The emulator',
    fallbackToFreePort: options.fallbackToFreePort,
  });
  let closing: Promise<void> | undefined;
  return {
    url: origin,
    fellBack,
    account,
    close: () =>
      (closing ??= (async () => {
        await app.close();
        await account.idle();
      })()),
  };
}

function sendError(
  reply: FastifyReply,
  input: { status: number; title: string; detail: string; additionalInfo?: Record<string, unknown> | undefined },
): FastifyReply {
  const body: ApiErrorBody = {
    status: input.status,
    title: input.title,
    detail: input.detail,
    name: STATUS_CODES[input.status] ?? 'Error',
  };
  return reply.code(input.status).send(input.additionalInfo === undefined ? body : { ...body, additionalInfo: input.additionalInfo });
}
