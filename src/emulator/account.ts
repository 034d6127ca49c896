import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { internalError } from '../errors.js';
import { MESSAGE_TIMEOUT_MS, PING_TIMEOUT_MS, type Settings, type WebhookRequestRow, type WebhookStatus } from '../metriport/types.js';
import { completeMeta } from '../samples/build-message.js';
import { isRecord, parseJsonOr } from '../util/json.js';
import { jsonbOrder } from '../util/jsonb.js';
import { type PostResult, sendSigned } from '../webhook/deliver.js';
import { isPongFor } from '../webhook/pong.js';

/** One webhook request the account sent (Metriport's `WebhookRequest` row). */
export interface EmulatedRequest {
  /** Also the message's `meta.messageId`. */
  id: string;
  type: string;
  /** The body fields without `meta`, as Metriport stores them; `meta` is rebuilt on every send. */
  payload: Record<string, unknown>;
  requestId: string | undefined;
  /** `meta.data`: sent with the first attempt only (Metriport does not keep it for retries). */
  data: unknown;
  createdAt: Date;
  status: 'processing' | 'success' | 'failure';
  statusDetail: string | undefined;
  requestUrl: string | undefined;
  httpStatus: number | undefined;
  durationMillis: number | undefined;
  attempts: number;
}

export type EmulatorEvent =
  | { type: 'url-updated'; webhookUrl: string }
  | { type: 'sent'; messageType: string; messageId: string; url: string; result: PostResult; retry: boolean }
  | { type: 'not-sent'; messageType: string; messageId: string; reason: string }
  | { type: 'ping'; url: string; ok: boolean; detail: string };

export interface AccountOptions {
  messageTimeoutMs?: number;
  pingTimeoutMs?: number;
  now?: () => Date;
  onEvent?: (event: EmulatorEvent) => void;
  /** Pause after each successful retry, in ms; Metriport waits a random 0–200 ms. */
  retryPause?: () => number;
  /**
   * The webhook key to use instead of a generated one (`--webhook-key`): given to the account when its key is
   * made, and put in place of a saved key on start. Default: Metriport's, a fresh 21-character key.
   */
  webhookKey?: string | undefined;
  /** Told after every change worth keeping (the emulator saves its snapshot then). */
  onChange?: () => void;
}

/** Options of one send, beyond the payload. */
export interface SendOptions {
  /**
   * Deliver it as one of Metriport's bulk retries would: `meta.data` dropped, the payload as stored (an old
   * `meta.when` and whatever URLs it holds, expired or not).
   */
  asRetry?: boolean;
}

/** What the account keeps between runs (part of the emulator's snapshot). */
export interface AccountSnapshot {
  cxId: string;
  settings: Settings | null;
  webhookEnabled: boolean;
  webhookStatusDetail: string | null;
  requests: Array<Omit<EmulatedRequest, 'createdAt'> & { createdAt: string }>;
}

export interface SendOutcome {
  messageId: string;
  status: 'success' | 'failure';
  httpStatus: number | null;
}

/** A failed send as Metriport's `sendPayload` reports it (WebhookError's additional info). */
export interface SendFailure {
  url: string;
  httpStatus: number;
  httpMessage: string;
}

const WEBHOOK_STATUS_OK = 'OK';
/** Metriport's text when a ping was answered without the right pong. */
const WEBHOOK_STATUS_BAD_RESPONSE = 'Bad response from webhook call';
/** Metriport cuts the status detail it stores to this length. */
const MAX_STATUS_DETAIL = 2048;
/** Devices API messages (the `devices.` prefix) are sent but never stored, counted or retried. */
const DEVICES_PREFIX = 'devices.';

/**
 * The emulated account: its settings, the webhook's health, and every webhook request it sent. It sends as
 * Metriport's API does (`packages/api/src/command/webhook/webhook.ts`): compact JSON, signed, its timeouts,
 * redirects not followed, failures kept and counted until a retry.
 */
export class EmulatedAccount {
  /** The customer id: `settings.id`, and the first part of every file key. */
  cxId: string = randomUUID();
  private settings: Settings | undefined;
  private enabled = false;
  private statusDetail: string | null = null;
  private readonly requests: EmulatedRequest[] = [];
  private readonly retries = new Set<Promise<void>>();
  private readonly messageTimeoutMs: number;
  private readonly pingTimeoutMs: number;
  private readonly now: () => Date;
  private readonly onEvent: (event: EmulatorEvent) => void;
  private readonly retryPause: () => number;
  private readonly pinnedKey: string | undefined;
  private readonly changed: () => void;
  private localizer: (message: Record<string, unknown>) => Record<string, unknown> = (message) => message;

  constructor(options: AccountOptions = {}) {
    this.messageTimeoutMs = options.messageTimeoutMs ?? MESSAGE_TIMEOUT_MS;
    this.pingTimeoutMs = options.pingTimeoutMs ?? PING_TIMEOUT_MS;
    this.now = options.now ?? (() => new Date());
    this.onEvent = options.onEvent ?? (() => undefined);
    this.retryPause = options.retryPause ?? (() => Math.random() * 200);
    this.pinnedKey = options.webhookKey;
    this.changed = options.onChange ?? (() => undefined);
  }

  /**
   * A sample message with its URLs pointing at files this emulator serves (the emulator installs the function
   * that does it; alone, the account leaves the message as it is).
   */
  withLocalUrls(message: Record<string, unknown>): Record<string, unknown> {
    return this.localizer(message);
  }

  /** Installs what `withLocalUrls` does (the emulator's file server). */
  setUrlLocalizer(localizer: (message: Record<string, unknown>) => Record<string, unknown>): void {
    this.localizer = localizer;
  }

  /** GET /settings creates an empty record on first use, like Metriport; its id is the customer id. */
  getSettings(): Settings {
    if (this.settings === undefined) {
      this.settings = { id: this.cxId, webhookUrl: null, webhookKey: null, mrFilters: null };
      this.changed();
    }
    return { ...this.settings };
  }

  hasSettings(): boolean {
    return this.settings !== undefined;
  }

  hasWebhookUrl(): boolean {
    return this.settings?.webhookUrl != null && this.settings.webhookKey != null;
  }

  /**
   * POST /settings with a URL: the key is made once (a 21-character nanoid in Metriport) and kept across URL
   * changes, and a ping goes out without waiting for it. An empty or absent URL changes nothing.
   */
  updateWebhookUrl(webhookUrl: string): { settings: Settings; ping: Promise<void> } {
    const settings = this.getSettings();
    this.settings = {
      ...settings,
      webhookUrl,
      webhookKey: settings.webhookKey ?? this.pinnedKey ?? randomBytes(16).toString('base64url').slice(0, 21),
    };
    this.changed();
    this.onEvent({ type: 'url-updated', webhookUrl });
    return { settings: { ...this.settings }, ping: this.ping() };
  }

  updateMrFilters(mrFilters: unknown): Settings {
    this.settings = { ...this.getSettings(), mrFilters };
    this.changed();
    return { ...this.settings };
  }

  webhookStatus(): WebhookStatus {
    return {
      webhookEnabled: this.enabled,
      webhookStatusDetail: this.statusDetail,
      webhookRequestsProcessing: this.requests.filter((request) => request.status === 'processing').length,
      webhookRequestsFailed: this.requests.filter((request) => request.status === 'failure').length,
    };
  }

  /**
   * Creates a message and sends it to the current URL; resolves after the attempt. With no URL or key the
   * request is stored as failed without a send, as Metriport does, so a later retry delivers it.
   */
  async send(payload: Record<string, unknown>, options: SendOptions = {}): Promise<SendOutcome> {
    const complete = completeMeta(payload, this.now());
    const meta = complete.meta as { messageId: string; type?: unknown; requestId?: unknown; data?: unknown; when: string };
    const { meta: _meta, ...body } = complete;
    const type = typeof meta.type === 'string' ? meta.type : 'unknown';
    const request: EmulatedRequest = {
      id: meta.messageId,
      type,
      // Stored as Metriport stores it, in a JSONB column: what is sent is read back from there, keys in JSONB
      // order. Devices API messages are never stored, so they keep their order.
      payload: type.startsWith(DEVICES_PREFIX) ? body : jsonbOrder(body),
      requestId: typeof meta.requestId === 'string' ? meta.requestId : undefined,
      data: meta.data,
      createdAt: new Date(meta.when),
      status: 'processing',
      statusDetail: undefined,
      requestUrl: undefined,
      httpStatus: undefined,
      durationMillis: undefined,
      attempts: 0,
    };
    const isDevices = request.type.startsWith(DEVICES_PREFIX);
    if (!isDevices) {
      this.requests.push(request);
      this.changed();
    }
    if (!this.hasWebhookUrl()) {
      request.status = 'failure';
      this.changed();
      this.onEvent({ type: 'not-sent', messageType: request.type, messageId: request.id, reason: 'no webhook URL is configured' });
      return { messageId: request.id, status: 'failure', httpStatus: null };
    }
    const retry = options.asRetry === true;
    const result = await this.attempt(request, { retry, destination: this.destination(), withData: !retry });
    return { messageId: request.id, status: result.ok ? 'success' : 'failure', httpStatus: result.status ?? null };
  }

  /**
   * Delivers a stored request once more with the same `meta.messageId`, as Metriport's bulk retry does
   * (`meta.data` dropped): the duplicate an idempotent receiver must absorb. `undefined` for an unknown id.
   */
  async redeliver(id: string): Promise<SendOutcome | undefined> {
    const request = this.requests.find((item) => item.id === id);
    if (request === undefined) return undefined;
    if (!this.hasWebhookUrl()) return { messageId: id, status: 'failure', httpStatus: null };
    const result = await this.attempt(request, { retry: true, destination: this.destination(), withData: false });
    return { messageId: id, status: result.ok ? 'success' : 'failure', httpStatus: result.status ?? null };
  }

  /**
   * POST /settings/webhook/sample-payload: `meta` reduced to its `type`, the rest sent as is, nothing stored.
   * Resolves with Metriport's success body, or the failure it reports as a 500 WebhookError.
   */
  async sendSample(
    payload: { meta: { type: string } } & Record<string, unknown>,
  ): Promise<
    { ok: true; status: number; webhookResponse: unknown; url: string; durationMillis: number } | { ok: false; failure: SendFailure }
  > {
    const { url, key } = this.destination();
    const { meta, ...rest } = payload;
    const body = Buffer.from(JSON.stringify({ meta: { type: meta.type }, ...rest }));
    const result = await sendSigned({ url, body, webhookKey: key, timeoutMs: this.messageTimeoutMs });
    if (!result.ok) return { ok: false, failure: sendFailure(url, result, this.messageTimeoutMs) };
    return {
      ok: true,
      status: result.status ?? 200,
      webhookResponse: parseJsonOr(result.responseText, result.responseText),
      url,
      durationMillis: result.durationMs,
    };
  }

  /**
   * POST /settings/webhook/retry: reads the URL and key once, marks every failed request processing now, and
   * re-sends them in the background one at a time, oldest first, pausing after each success.
   */
  retryFailed(): void {
    const failed = this.requests
      .filter((request) => request.status === 'failure')
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    if (failed.length === 0) return;
    for (const request of failed) request.status = 'processing';
    this.changed();
    const destination = this.hasWebhookUrl() ? this.destination() : undefined;
    const run = (async () => {
      for (const request of failed) {
        if (destination === undefined) {
          request.status = 'failure';
          this.changed();
          continue;
        }
        // One request that cannot be sent must not stop the others, nor stay "processing" for ever.
        const result = await this.attempt(request, { retry: true, destination, withData: false }).catch((error: unknown) => {
          request.status = 'failure';
          request.statusDetail = String(error);
          return undefined;
        });
        if (result?.ok) await delay(this.retryPause());
      }
    })();
    this.retries.add(run);
    void run.finally(() => this.retries.delete(run));
  }

  /**
   * POST /settings/webhook/request/:id/retry: sends the request's payload again as a new request (a new
   * messageId), and answers the payload it sent. `undefined` when there is no such request.
   */
  async retryOne(id: string): Promise<Record<string, unknown> | undefined> {
    const original = this.requests.find((request) => request.id === id);
    if (original === undefined) return undefined;
    const payload: Record<string, unknown> = {
      meta: { type: original.type, ...(original.requestId === undefined ? {} : { requestId: original.requestId }) },
      ...original.payload,
    };
    const sent = completeMeta(payload, this.now());
    await this.send(sent);
    return sent;
  }

  /** GET /settings/webhook/request: newest first unless `ascending`. */
  listRequests(options: { ascending: boolean }): WebhookRequestRow[] {
    const rows = [...this.requests].sort(
      (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || this.requests.indexOf(a) - this.requests.indexOf(b),
    );
    if (!options.ascending) rows.reverse();
    return rows.map((request) => ({
      id: request.id,
      type: request.type,
      status: request.status,
      statusDetail: request.statusDetail ?? null,
      requestUrl: request.requestUrl ?? null,
      httpStatus: request.httpStatus ?? null,
      durationMillis: request.durationMillis ?? null,
      requestId: request.requestId ?? null,
      createdAt: request.createdAt.toISOString(),
      payload: request.payload,
    }));
  }

  /** Resolves when no retry is running (for tests and orderly shutdown). */
  async idle(): Promise<void> {
    while (this.retries.size > 0) await Promise.all(this.retries);
  }

  /** Every request stored, oldest first (for tests and the emulator log). */
  history(): readonly EmulatedRequest[] {
    return this.requests;
  }

  /** What to keep between runs. */
  snapshot(): AccountSnapshot {
    return {
      cxId: this.cxId,
      settings: this.settings === undefined ? null : { ...this.settings },
      webhookEnabled: this.enabled,
      webhookStatusDetail: this.statusDetail,
      requests: this.requests.map((request) => ({ ...request, createdAt: request.createdAt.toISOString() })),
    };
  }

  /**
   * Takes back a snapshot (from `snapshot()`, possibly read from disk): the same customer id, settings, key,
   * health and request history. A pinned key replaces the saved one. Throws on a shape it cannot use.
   */
  restore(snapshot: unknown): void {
    if (!isRecord(snapshot) || typeof snapshot.cxId !== 'string' || !Array.isArray(snapshot.requests)) {
      throw new Error('not an account snapshot');
    }
    const settings = snapshot.settings;
    this.cxId = snapshot.cxId;
    this.settings = isRecord(settings)
      ? {
          id: this.cxId,
          webhookUrl: typeof settings.webhookUrl === 'string' ? settings.webhookUrl : null,
          webhookKey: typeof settings.webhookKey === 'string' ? settings.webhookKey : null,
          mrFilters: settings.mrFilters ?? null,
        }
      : undefined;
    if (this.settings?.webhookKey != null && this.pinnedKey !== undefined) this.settings.webhookKey = this.pinnedKey;
    this.enabled = snapshot.webhookEnabled === true;
    this.statusDetail = typeof snapshot.webhookStatusDetail === 'string' ? snapshot.webhookStatusDetail : null;
    this.requests.length = 0;
    for (const item of snapshot.requests as Array<Record<string, unknown>>) {
      if (!isRecord(item) || typeof item.id !== 'string' || typeof item.type !== 'string' || !isRecord(item.payload)) continue;
      const status = item.status === 'success' || item.status === 'failure' ? item.status : 'processing';
      this.requests.push({
        id: item.id,
        type: item.type,
        payload: item.payload,
        requestId: typeof item.requestId === 'string' ? item.requestId : undefined,
        data: item.data,
        createdAt: new Date(typeof item.createdAt === 'string' ? item.createdAt : 0),
        status,
        statusDetail: typeof item.statusDetail === 'string' ? item.statusDetail : undefined,
        requestUrl: typeof item.requestUrl === 'string' ? item.requestUrl : undefined,
        httpStatus: typeof item.httpStatus === 'number' ? item.httpStatus : undefined,
        durationMillis: typeof item.durationMillis === 'number' ? item.durationMillis : undefined,
        attempts: typeof item.attempts === 'number' ? item.attempts : 0,
      });
    }
  }

  /** Back to a new account (`emulator --reset`): a new customer id, no settings, no history. */
  reset(): void {
    this.cxId = randomUUID();
    this.settings = undefined;
    this.enabled = false;
    this.statusDetail = null;
    this.requests.length = 0;
    this.changed();
  }

  private destination(): { url: string; key: string } {
    const url = this.settings?.webhookUrl;
    const key = this.settings?.webhookKey;
    if (url == null || key == null)
      throw internalError('EMULATOR_NO_URL', 'The emulator was asked to send with no webhook URL configured.');
    return { url, key };
  }

  private async attempt(
    request: EmulatedRequest,
    options: { retry: boolean; destination: { url: string; key: string }; withData: boolean },
  ): Promise<PostResult> {
    const { url, key } = options.destination;
    // Metriport builds meta on every send: messageId and when stay, data only on the first attempt.
    const meta = {
      messageId: request.id,
      ...(request.requestId === undefined ? {} : { requestId: request.requestId }),
      when: request.createdAt.toISOString(),
      type: request.type,
      ...(options.withData && request.data !== undefined ? { data: request.data } : {}),
    };
    const body = Buffer.from(JSON.stringify({ meta, ...request.payload }));
    const result = await sendSigned({ url, body, webhookKey: key, timeoutMs: this.messageTimeoutMs });
    this.changed();
    request.attempts += 1;
    request.requestUrl = url;
    request.durationMillis = result.durationMs;
    this.onEvent({ type: 'sent', messageType: request.type, messageId: request.id, url, result, retry: options.retry });
    // Devices API messages leave no trace: no row, no count, no health change.
    if (request.type.startsWith(DEVICES_PREFIX)) return result;
    if (result.ok) {
      request.status = 'success';
      request.statusDetail = WEBHOOK_STATUS_OK;
      request.httpStatus = result.status;
      if (!this.enabled) this.recordHealth(true, WEBHOOK_STATUS_OK);
    } else {
      const failure = sendFailure(url, result, this.messageTimeoutMs);
      request.status = 'failure';
      request.statusDetail = describeSendFailure(failure);
      request.httpStatus = failure.httpStatus;
      this.recordHealth(false, request.statusDetail);
    }
    return result;
  }

  private async ping(): Promise<void> {
    const { url, key } = this.destination();
    const ping = randomBytes(16).toString('base64url').slice(0, 21);
    const body = Buffer.from(JSON.stringify({ ping, meta: { messageId: randomUUID(), when: this.now().toISOString(), type: 'ping' } }));
    const result = await sendSigned({ url, body, webhookKey: key, timeoutMs: this.pingTimeoutMs });
    const ok = result.ok && isPongFor(result.responseText, ping);
    const detail = ok
      ? WEBHOOK_STATUS_OK
      : result.ok
        ? WEBHOOK_STATUS_BAD_RESPONSE
        : describeSendFailure(sendFailure(url, result, this.pingTimeoutMs));
    this.recordHealth(ok, detail);
    this.onEvent({ type: 'ping', url, ok, detail });
  }

  private recordHealth(ok: boolean, detail: string): void {
    this.enabled = ok;
    this.statusDetail = detail.slice(0, MAX_STATUS_DETAIL);
    this.changed();
  }
}

/**
 * What Metriport's axios-based sender records for a failed send (`sendPayload` in
 * `packages/api/src/command/webhook/webhook.ts`): `httpStatus` is the answer's status, 504 for a timeout or 500
 * without an answer; `httpMessage` is `errorToString(axiosError)` from `@metriport/shared`, "message (code -
 * status)". axios gives 4xx the code ERR_BAD_REQUEST, 5xx ERR_BAD_RESPONSE and any other status none, so a 3xx
 * reads "(302)"; a socket error keeps Node's error as its cause, which `errorToString` prints once more.
 */
export function sendFailure(url: string, result: PostResult, timeoutMs: number): SendFailure {
  if (result.status !== undefined) {
    const status = result.status;
    const code = status >= 400 && status < 500 ? 'ERR_BAD_REQUEST' : status >= 500 && status < 600 ? 'ERR_BAD_RESPONSE' : undefined;
    return {
      url,
      httpStatus: status,
      httpMessage: `Request failed with status code ${status} (${code === undefined ? status : `${code} - ${status}`})`,
    };
  }
  if (result.detail.startsWith('timeout')) return { url, httpStatus: 504, httpMessage: `timeout of ${timeoutMs}ms exceeded (ETIMEDOUT)` };
  const protocol = URL.canParse(url) ? new URL(url).protocol : undefined;
  if (protocol !== 'http:' && protocol !== 'https:') {
    // axios refuses before any connection, with no cause.
    return { url, httpStatus: 500, httpMessage: `Unsupported protocol ${protocol ?? url} (ERR_BAD_REQUEST)` };
  }
  const code = result.detail;
  const message =
    result.errorMessage ??
    (code === 'ECONNREFUSED' ? `connect ECONNREFUSED ${new URL(url).host}` : code === 'ECONNRESET' ? 'socket hang up' : code);
  const once = `${message} (${code})`;
  return { url, httpStatus: 500, httpMessage: `${once}; caused by ${once}` };
}

/** Metriport's `errorToString(WebhookError)`: the text it stores as a request's and the webhook's status detail. */
export function describeSendFailure(failure: SendFailure): string {
  return `Failed to send payload (${JSON.stringify(failure)}); caused by ${failure.httpMessage}`;
}
