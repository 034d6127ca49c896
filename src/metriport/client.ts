import { internalError, MwError } from '../errors.js';
import { HttpFailure, type HttpResponse, headerValue, type SendHttp, sendHttp } from '../http/send-http.js';
import { NEXT } from '../next-command.js';
import { untilAborted } from '../util/abort.js';
import { isRecord, parseJsonOr } from '../util/json.js';
import { redactSecrets } from '../util/secret.js';
import {
  readEmulatorFlowAnswer,
  readObject,
  readRequestPage,
  readSamplePayload,
  readSettings,
  readWebhookStatus,
  ShapeMismatch,
} from './answer-shapes.js';
import { apiPath } from './api-path.js';
import type { ApiTarget } from './target.js';
import type { EmulatorFlowAnswer, SamplePayloadResult, Settings, WebhookRequestPage, WebhookStatus } from './types.js';
import { checkWebhookRequestId } from './webhook-request-id.js';

export interface MetriportClientOptions {
  target: ApiTarget;
  apiKey: string;
  /** The HTTP transport; tests inject a fake. */
  send?: SendHttp;
  /** Per attempt, in ms. Default 10 000. */
  timeoutMs?: number;
  /** Extra attempts for idempotent calls after a network error, 429 or 5xx. Default 2. */
  retries?: number;
  /** First backoff in ms, doubled each attempt. Default 300. */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Per call: `signal` gives the call up when the user stops (Ctrl-C): the call ends at once with `STOPPED`
 * (exit 130), its backoff included. `listen`'s registration and restore never pass one: a change to the
 * account they record is seen through.
 */
export interface CallOptions {
  signal?: AbortSignal | undefined;
}

/** `MwError.code` of a call given up because the user stopped (category `interrupted`, exit 130). */
export const STOPPED = 'STOPPED';

export interface MetriportClient {
  readonly target: ApiTarget;
  getSettings(options?: CallOptions): Promise<Settings>;
  /** Sets the webhook URL. Never called with `""`: Metriport treats it as "no change" (protocol notes). */
  updateWebhookUrl(webhookUrl: string): Promise<Settings>;
  /** `null` when the account has no settings yet (Metriport answers 404). */
  getWebhookStatus(options?: CallOptions): Promise<WebhookStatus | null>;
  retryFailedRequests(options?: CallOptions): Promise<void>;
  sendSamplePayload(payload: Record<string, unknown>): Promise<SamplePayloadResult>;
  /** The emulator's own `POST /emulator/flows/:flow` (`trigger --flow`): not an endpoint of Metriport's. */
  playEmulatorFlow(flow: string, input: { faults: readonly string[]; patientId?: string | undefined }): Promise<EmulatorFlowAnswer>;
  /** `GET /settings/webhook/request`: one page, newest first unless `sort` says otherwise. */
  listWebhookRequests(query: { count?: number; fromItem?: string; sort?: string }, options?: CallOptions): Promise<WebhookRequestPage>;
  /** `POST /settings/webhook/request/:id/retry`: resends one request as a new one; answers the payload sent. */
  retryWebhookRequest(id: string, options?: CallOptions): Promise<Record<string, unknown>>;
}

const KB = 1024;
const MB = 1024 * KB;

/**
 * The most each answer may hold, by what its endpoint can legitimately send. An answer past its bound is
 * refused as "larger than N" (never cut and then misread as "not JSON"), and its connection is closed.
 */
export const ANSWER_BOUNDS = {
  /** `GET`/`POST /settings`: an id, a URL (at most 2048 characters), a key and the filters. */
  settings: 256 * KB,
  /** `GET /settings/webhook`: two counts, a flag and a status detail (Metriport cuts it at 2048 characters). */
  status: 256 * KB,
  /** `POST /settings/webhook/retry`: plain "OK". */
  retryAll: 64 * KB,
  /** `POST /settings/webhook/sample-payload`: the receiver's answer, as Metriport read it, and a few fields. */
  samplePayload: 1 * MB,
  /**
   * `GET /settings/webhook/request`: one page of rows, payloads included; a document-download payload can pass
   * 1 MB. `findWebhookRequests` asks for smaller pages when a page passes this.
   */
  requestPage: 32 * MB,
  /** `POST /settings/webhook/request/:id/retry`: the payload sent, as big as a message (listen accepts 64 MB). */
  retryOne: 64 * MB,
} as const;

/** `MwError.code` of an answer past its bound. */
export const ANSWER_TOO_LARGE = 'API_ANSWER_TOO_LARGE';

interface Call {
  method: 'GET' | 'POST';
  /** Built with `apiPath`, so no segment can climb to another endpoint. */
  path: string;
  /** `?…`, built with URLSearchParams. */
  search?: string;
  body?: unknown;
  /** The most this endpoint's answer may hold (`ANSWER_BOUNDS`). */
  maxBytes: number;
  /** The next step when the answer passes `maxBytes`; by default, check that the URL is Metriport's API. */
  tooLargeHint?: string;
  /** Safe to repeat: retried on network errors, 429 and 5xx. */
  idempotent: boolean;
  /** Statuses handed back to the caller instead of becoming errors. */
  allow?: number[];
  /** A 404 means this API predates the endpoint (not "not found"): say so. */
  newerEndpoint?: string;
  /** What a 404 that names the item (rather than the route) means, e.g. "webhook request abc". */
  missingItem?: string;
  /** This call's own limit, when it may take longer than the client's (the emulator playing a whole flow). */
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
}

/** How long the emulator may take to play a whole flow (an ADT stay is three waits of up to 5 s, and more). */
const FLOW_TIMEOUT_MS = 120_000;

/** The only code that speaks to Metriport's REST API. */
export function createMetriportClient(options: MetriportClientOptions): MetriportClient {
  const { target, apiKey } = options;
  // The API key and every webhook key the account has shown: an error quoting one of them shows it cut.
  const secrets = new Set([apiKey]);
  const learnKey = (settings: Settings): Settings => {
    if (settings.webhookKey !== null) secrets.add(settings.webhookKey);
    return settings;
  };
  const redact = (text: string | undefined) => (text === undefined ? undefined : redactSecrets(text, [...secrets]));
  const send = options.send ?? sendHttp;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.retries ?? 2;
  const backoffMs = options.backoffMs ?? 300;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  async function call(request: Call): Promise<{ status: number; text: string }> {
    const url = apiUrl(request.path, request.search ?? '');
    const label = `${request.method} /${request.path}`;
    for (let attempt = 0; ; attempt += 1) {
      const canRetry = request.idempotent && attempt < retries;
      let response: HttpResponse;
      try {
        response = await send({
          method: request.method,
          url,
          headers: {
            'x-api-key': apiKey,
            accept: 'application/json',
            ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
          timeoutMs: request.timeoutMs ?? timeoutMs,
          maxResponseBytes: request.maxBytes,
          stopAtLimit: true,
          signal: request.signal,
        });
      } catch (error) {
        if (request.signal?.aborted) throw stopped(label);
        if (canRetry) {
          await pause(backoffMs * 2 ** attempt, request);
          continue;
        }
        throw unreachable({ label, error, timeoutMs: request.timeoutMs ?? timeoutMs });
      }
      const text = response.body.toString('utf8');
      if ((response.status === 429 || response.status >= 500) && canRetry) {
        await pause(retryAfterMs(headerValue(response.headers, 'retry-after')) ?? backoffMs * 2 ** attempt, request);
        continue;
      }
      if ((response.status >= 200 && response.status < 300) || request.allow?.includes(response.status)) {
        if (response.truncated) throw tooLarge({ label, maxBytes: request.maxBytes, hint: request.tooLargeHint });
        return { status: response.status, text };
      }
      throw apiError({ status: response.status, text, label, newerEndpoint: request.newerEndpoint, missingItem: request.missingItem });
    }
  }

  /** A backoff that a stop cuts short (a 429's Retry-After can ask for 30 s). */
  async function pause(ms: number, request: Call): Promise<void> {
    const signal = request.signal;
    if (signal === undefined) return sleep(ms);
    if (!signal.aborted) await Promise.race([sleep(ms), untilAborted(signal)]);
    if (signal.aborted) throw stopped(`${request.method} /${request.path}`);
  }

  function stopped(label: string): MwError {
    return new MwError(`Stopped while waiting for ${label} from ${target.description}.`, {
      code: STOPPED,
      category: 'interrupted',
    });
  }

  /** The base URL's own path is kept; the check below holds even if a caller forgot `apiPath`. */
  function apiUrl(path: string, search: string): string {
    const base = new URL(`${target.baseUrl}/`);
    const url = new URL(`${path}${search}`, base);
    if (url.origin !== base.origin || url.pathname !== `${base.pathname}${path}`) {
      throw internalError('UNSAFE_API_PATH', `Refused to call ${url.pathname}: it is not the API path ${base.pathname}${path}.`);
    }
    return url.toString();
  }

  function apiError(input: {
    status: number;
    text: string;
    label: string;
    newerEndpoint?: string | undefined;
    missingItem?: string | undefined;
  }): MwError {
    const detail = redact(errorDetail(input.text));
    // Metriport answers an unknown route and an unknown id both with 404; only the latter is a NotFoundError.
    const itemMissing =
      input.status === 404 &&
      input.missingItem !== undefined &&
      errorTitle(input.text) === 'NotFoundError' &&
      !/^Cannot /.test(detail ?? '');
    if (itemMissing) {
      return new MwError(`There is no ${input.missingItem} at ${target.description} (${detail}).`, {
        code: 'WEBHOOK_REQUEST_NOT_FOUND',
        category: 'api',
        hint: `List them with ${NEXT}; Metriport keeps them 30 days.`,
        next: { command: 'requests', sameApi: true },
      });
    }
    if (input.status === 404 && input.newerEndpoint !== undefined) {
      return new MwError(`${capitalise(target.description)} does not offer ${input.newerEndpoint} yet (404 to ${input.label}).`, {
        code: 'API_ENDPOINT_MISSING',
        category: 'api',
        hint: 'Use `status` and `retry` (all failed requests), or the dashboard, until it does.',
      });
    }

    if (input.status === 403 || input.status === 401) {
      const other = target.environment === 'production' ? 'sandbox (--env sandbox)' : 'production (--env production)';
      return new MwError(`Metriport rejected the API key (${input.status}) at ${target.description}.`, {
        code: 'API_KEY_REJECTED',
        category: 'auth',
        hint:
          target.environment === 'custom'
            ? 'Check --api-key / METRIPORT_API_KEY against that API.'
            : `Sandbox and production keys differ: check METRIPORT_API_KEY, or switch to ${other}.`,
      });
    }
    if (input.status === 400 && detail === 'Invalid URL') {
      return new MwError('Metriport refused the webhook URL as "Invalid URL".', {
        code: 'INVALID_WEBHOOK_URL',
        category: 'api',
        hint: 'It blocks URLs containing local or internal addresses (localhost, 127.0.0.1, 0000, amazonaws.com, ...) and URLs over 2048 characters: use a public tunnel URL.',
      });
    }
    if (input.status === 429) {
      return new MwError(`Metriport throttled ${input.label} (429 Too Many Requests).`, {
        code: 'API_THROTTLED',
        category: 'api',
        hint: 'Wait a minute and run the command again.',
      });
    }
    return new MwError(`Metriport answered ${input.status} to ${input.label}${detail === undefined ? '' : `: ${detail}`}.`, {
      code: 'API_UNEXPECTED',
      category: 'api',
      hint: `Check ${target.description} and try again; run with --debug for details.`,
    });
  }

  function tooLarge(input: { label: string; maxBytes: number; hint?: string | undefined }): MwError {
    return new MwError(
      `${capitalise(target.description)} answered more than ${sizeText(input.maxBytes)} to ${input.label}; it was not read.`,
      {
        code: ANSWER_TOO_LARGE,
        category: 'api',
        hint: input.hint ?? `That endpoint never answers so much: check that ${target.baseUrl} is Metriport's API (or the emulator).`,
      },
    );
  }

  function unreachable(input: { label: string; error: unknown; timeoutMs: number }): MwError {
    const failure = input.error instanceof HttpFailure ? input.error : undefined;
    const timedOut = failure?.code === 'TIMEOUT';
    const where = `the Metriport API at ${target.baseUrl} (from ${target.urlOrigin})`;
    return new MwError(
      timedOut
        ? `${capitalise(where)} did not answer ${input.label} within ${input.timeoutMs / 1000} s.`
        : `Could not reach ${where}: ${failure?.message ?? String(input.error)}.`,
      {
        code: timedOut ? 'API_TIMEOUT' : 'API_UNREACHABLE',
        category: 'network',
        hint:
          target.environment === 'custom'
            ? `Check that the API is running there, or change ${target.urlOrigin}.`
            : 'Check your network connection, or the --env / --api-url you chose.',
        cause: input.error,
      },
    );
  }

  function parse(text: string, label: string): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new MwError(`Metriport answered ${label} with something that is not JSON.`, {
        code: 'API_UNEXPECTED',
        category: 'api',
        hint: `Check that ${target.baseUrl} is Metriport's API (or the emulator).`,
        cause: error,
      });
    }
  }

  /** The answer parsed and checked against its shape: a wrong type names the call and the field (exit 5). */
  function shaped<T>(text: string, label: string, read: (value: unknown) => T): T {
    const value = parse(text, label);
    try {
      return read(value);
    } catch (error) {
      if (!(error instanceof ShapeMismatch)) throw error;
      const where = error.field === '' ? 'as its whole answer' : `in ${error.field}`;
      throw new MwError(
        `${capitalise(target.description)} answered ${label} with ${error.got} ${where}, where ${error.expected} belongs.`,
        {
          code: 'API_UNEXPECTED',
          category: 'api',
          hint: `Check that ${target.baseUrl} is Metriport's API (or the emulator); nothing was changed because of that answer.`,
          cause: error,
        },
      );
    }
  }

  return {
    target,
    async getSettings(options) {
      const answer = await call({
        method: 'GET',
        path: apiPath('settings'),
        maxBytes: ANSWER_BOUNDS.settings,
        idempotent: true,
        signal: options?.signal,
      });
      return learnKey(shaped(answer.text, 'GET /settings', readSettings));
    },
    async updateWebhookUrl(webhookUrl) {
      if (webhookUrl === '')
        throw internalError('EMPTY_WEBHOOK_URL', 'Refused to send an empty webhook URL: Metriport reads it as "no change".');
      // Setting the same URL twice has the same effect, so this may be retried.
      const answer = await call({
        method: 'POST',
        path: apiPath('settings'),
        body: { webhookUrl },
        maxBytes: ANSWER_BOUNDS.settings,
        idempotent: true,
      });
      return learnKey(shaped(answer.text, 'POST /settings', readSettings));
    },
    async getWebhookStatus(options) {
      const answer = await call({
        method: 'GET',
        path: apiPath('settings', 'webhook'),
        maxBytes: ANSWER_BOUNDS.status,
        idempotent: true,
        allow: [404],
        signal: options?.signal,
      });
      return answer.status === 404 ? null : shaped(answer.text, 'GET /settings/webhook', readWebhookStatus);
    },
    async retryFailedRequests(options) {
      await call({
        method: 'POST',
        path: apiPath('settings', 'webhook', 'retry'),
        maxBytes: ANSWER_BOUNDS.retryAll,
        idempotent: false,
        signal: options?.signal,
      });
    },
    async listWebhookRequests(query, options) {
      const params = new URLSearchParams();
      if (query.fromItem !== undefined) params.set('fromItem', query.fromItem);
      if (query.count !== undefined) params.set('count', String(query.count));
      if (query.sort !== undefined) params.set('sort', query.sort);
      const search = params.size === 0 ? '' : `?${params.toString()}`;
      const answer = await call({
        method: 'GET',
        path: apiPath('settings', 'webhook', 'request'),
        search,
        maxBytes: ANSWER_BOUNDS.requestPage,
        tooLargeHint: 'A page of webhook requests was that large: ask for fewer per page (count).',
        idempotent: true,
        newerEndpoint: 'the list of webhook requests',
        signal: options?.signal,
      });
      return shaped(answer.text, 'GET /settings/webhook/request', readRequestPage);
    },
    async retryWebhookRequest(id, options) {
      // Checked again here, for callers other than the command: an id that is not a UUID is never sent.
      checkWebhookRequestId(id, 'The webhook request id');
      const answer = await call({
        method: 'POST',
        path: apiPath('settings', 'webhook', 'request', id, 'retry'),
        maxBytes: ANSWER_BOUNDS.retryOne,
        tooLargeHint: 'Metriport may have resent it all the same: check with `requests` before retrying again.',
        idempotent: false,
        newerEndpoint: 'the retry of one webhook request',
        missingItem: `webhook request ${id}`,
        signal: options?.signal,
      });
      return shaped(answer.text, 'POST /settings/webhook/request/:id/retry', readObject);
    },
    async playEmulatorFlow(flow, input) {
      const label = `POST /emulator/flows/${flow}`;
      let answer: { status: number; text: string };
      try {
        answer = await call({
          method: 'POST',
          path: apiPath('emulator', 'flows', flow),
          maxBytes: ANSWER_BOUNDS.samplePayload,
          body: { faults: input.faults, ...(input.patientId === undefined ? {} : { patientId: input.patientId }) },
          idempotent: false,
          newerEndpoint: 'flows',
          // The emulator answers once the flow has played: several of Metriport's sandbox waits (0–5 s each).
          timeoutMs: FLOW_TIMEOUT_MS,
        });
      } catch (error) {
        if (!(error instanceof MwError && error.code === 'API_ENDPOINT_MISSING')) throw error;
        throw new MwError(`Flows are played by the emulator, and ${target.description} is not one (404 to ${label}).`, {
          code: 'NOT_THE_EMULATOR',
          category: 'usage',
          hint: 'Pass the --api-url that `listen --emulator` or `emulator` prints (with --api-key local-emulator).',
        });
      }
      return shaped(answer.text, label, readEmulatorFlowAnswer);
    },
    async sendSamplePayload(payload) {
      const label = 'POST /settings/webhook/sample-payload';
      const answer = await call({
        method: 'POST',
        path: apiPath('settings', 'webhook', 'sample-payload'),
        maxBytes: ANSWER_BOUNDS.samplePayload,
        tooLargeHint: 'The message was sent; your receiver answered it with a very large body: check your receiver.',
        body: payload,
        idempotent: false,
        allow: [500],
      });
      if (answer.status === 200) return shaped(answer.text, label, readSamplePayload);
      // A 500: Metriport's WebhookError names what the receiver did; anything else is the API's own failure.
      const body = parseJsonOr(answer.text, undefined);
      const info = isRecord(body) && body.title === 'WebhookError' && isRecord(body.additionalInfo) ? body.additionalInfo : undefined;
      if (info === undefined) throw apiError({ status: answer.status, text: answer.text, label });
      return {
        status: typeof info.httpStatus === 'number' ? info.httpStatus : 500,
        webhookResponse: null,
        url: typeof info.url === 'string' ? info.url : '',
        durationMillis: null,
        failure: typeof info.httpMessage === 'string' ? info.httpMessage : 'Failed to send payload',
      };
    },
  };
}

function errorDetail(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { detail?: unknown; message?: unknown };
    if (typeof body.detail === 'string') return body.detail;
    if (typeof body.message === 'string') return body.message;
  } catch {
    // Not JSON: show a short piece of the text instead.
  }
  const trimmed = text.trim();
  return trimmed === '' ? undefined : trimmed.slice(0, 200);
}

/** 256 KB, 32 MB: the bounds above, for messages. */
function sizeText(bytes: number): string {
  if (bytes % MB === 0) return `${bytes / MB} MB`;
  if (bytes % KB === 0) return `${bytes / KB} KB`;
  return `${bytes} bytes`;
}

function capitalise(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

function errorTitle(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { title?: unknown };
    return typeof body.title === 'string' ? body.title : undefined;
  } catch {
    return undefined;
  }
}

function retryAfterMs(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 30) * 1000 : undefined;
}
