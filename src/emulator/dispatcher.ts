import { randomBytes, randomUUID } from 'node:crypto';
import { completeMeta } from '../fixtures/build-message.js';
import { MESSAGE_TIMEOUT_MS, PING_TIMEOUT_MS, type Settings, type WebhookStatus } from '../metriport/types.js';
import { type DeliverResult, deliver, metriportHeaders } from '../webhook/deliver.js';


export interface EmulatedRequest {
  id: string;
  messageId: string;
  type: string;
  payload: Record<string, unknown>;
  status: 'processing' | 'success' | 'failure';
  /** Order of creation: retries go oldest first. */
  sequence: number;
  attempts: number;
  lastDetail: string | undefined;
}

export type EmulatorEvent =
  | { type: 'url-updated'; webhookUrl: string }
  | { type: 'sent'; messageType: string; messageId: string; url: string; result: DeliverResult; retry: boolean }
  | { type: 'ping'; url: string; ok: boolean; detail: string };

export interface DispatcherOptions {
  messageTimeoutMs?: number;
  pingTimeoutMs?: number;
  now?: () => Date;
  onEvent?: (event: EmulatorEvent) => void;
}

export interface SendOutcome {
  messageId: string;
  status: 'success' | 'failure';
  httpStatus: number | null;
}

/**
 * The emulator's account: settings, the webhook's health, and every request it sent. Sends as Metriport
 * does: compact JSON, signed, with its timeouts, redirects not followed, failures kept for `retry`.
 */
export class Dispatcher {
  private settings: Settings | undefined;
  private enabled = false;
  private statusDetail: string | null = null;
  private readonly requests: EmulatedRequest[] = [];
  private sequence = 0;
  private retryQueue: EmulatedRequest[] = [];
  private retryWorker: Promise<void> | undefined;
  private readonly messageTimeoutMs: number;
  private readonly pingTimeoutMs: number;
  private readonly now: () => Date;
  private readonly onEvent: (event: EmulatorEvent) => void;

  constructor(options: DispatcherOptions = {}) {
    this.messageTimeoutMs = options.messageTimeoutMs ?? MESSAGE_TIMEOUT_MS;
    this.pingTimeoutMs = options.pingTimeoutMs ?? PING_TIMEOUT_MS;
    this.now = options.now ?? (() => new Date());
    this.onEvent = options.onEvent ?? (() => undefined);
  }

  /** GET /settings creates an empty record on first use, like Metriport. */
  getSettings(): Settings {
    this.settings ??= { id: randomUUID(), webhookUrl: null, webhookKey: null, mrFilters: null };
    return { ...this.settings };
  }

  hasSettings(): boolean {
    return this.settings !== undefined;
  }

  /** POST /settings. `""` changes nothing (Metriport's current code); a key is made only once. */
  updateWebhookUrl(webhookUrl: string): { settings: Settings; ping: Promise<void> } {
    const settings = this.getSettings();
    if (webhookUrl === '') return { settings, ping: Promise.resolve() };
    this.settings = { ...settings, webhookUrl, webhookKey: settings.webhookKey ?? randomBytes(16).toString('base64url') };
    this.onEvent({ type: 'url-updated', webhookUrl });
    return { settings: { ...this.settings }, ping: this.ping() };
  }

  webhookStatus(): WebhookStatus {
    return {
      webhookEnabled: this.enabled,
      webhookStatusDetail: this.statusDetail,
      webhookRequestsProcessing: this.requests.filter((request) => request.status === 'processing').length,
      webhookRequestsFailed: this.requests.filter((request) => request.status === 'failure').length,
    };
  }

  /** Sends a new message to the current URL, records it, and resolves after the attempt. */
  async send(payload: Record<string, unknown>): Promise<SendOutcome> {
    const complete = completeMeta(payload, this.now());
    const meta = complete.meta as { messageId: string; type?: unknown };
    const request: EmulatedRequest = {
      id: randomUUID(),
      messageId: meta.messageId,
      type: typeof meta.type === 'string' ? meta.type : 'unknown',
      payload: complete,
      status: 'processing',
      sequence: (this.sequence += 1),
      attempts: 0,
      lastDetail: undefined,
    };
    this.requests.push(request);
    const result = await this.attempt(request, false);
    return { messageId: request.messageId, status: result.ok ? 'success' : 'failure', httpStatus: result.status ?? null };
  }

  /** Sends a payload once without recording it (the sample-payload endpoint). */
  async sendUnrecorded(payload: Record<string, unknown>): Promise<{ url: string; result: DeliverResult }> {
    const { url, key } = this.destination();
    const body = Buffer.from(JSON.stringify(payload));
    return { url, result: await deliver({ url, body, headers: metriportHeaders(body, key), timeoutMs: this.messageTimeoutMs }) };
  }

  /** POST /settings/webhook/retry: failed become processing now; they are re-sent one at a time, oldest first. */
  retryFailed(): void {
    const failed = this.requests.filter((request) => request.status === 'failure').sort((a, b) => a.sequence - b.sequence);
    for (const request of failed) request.status = 'processing';
    this.retryQueue.push(...failed);
    this.retryWorker ??= this.drainRetries().finally(() => {
      this.retryWorker = undefined;
    });
  }

  /** Resolves when no retry is running (for tests and orderly shutdown). */
  async idle(): Promise<void> {
    while (this.retryWorker !== undefined) await this.retryWorker;
  }

  /** Every request sent, oldest first (for tests and the emulator log). */
  history(): readonly EmulatedRequest[] {
    return this.requests;
  }

  hasWebhookUrl(): boolean {
    return this.settings?.webhookUrl != null;
  }

  private async drainRetries(): Promise<void> {
    for (let request = this.retryQueue.shift(); request !== undefined; request = this.retryQueue.shift()) {
      // One request that cannot be sent must not stop the others (or crash the emulator).
      await this.attempt(request, true).catch((error: unknown) => {
        if (request === undefined) return;
        request.status = 'failure';
        request.lastDetail = String(error);
      });
    }
  }

  private destination(): { url: string; key: string } {
    const url = this.settings?.webhookUrl;
    const key = this.settings?.webhookKey;
    if (url == null || key == null) throw new Error('no webhook URL is configured');
    return { url, key };
  }

  private async attempt(request: EmulatedRequest, retry: boolean): Promise<DeliverResult> {
    const { url, key } = this.destination();
    // Compact JSON, as Metriport sends it; the same messageId and `when` on every attempt.
    const body = Buffer.from(JSON.stringify(request.payload));
    const result = await deliver({ url, body, headers: metriportHeaders(body, key), timeoutMs: this.messageTimeoutMs });
    request.attempts += 1;
    request.status = result.ok ? 'success' : 'failure';
    request.lastDetail = result.detail;
    this.recordHealth(result.ok, result.detail);
    this.onEvent({ type: 'sent', messageType: request.type, messageId: request.messageId, url, result, retry });
    return result;
  }

  private async ping(): Promise<void> {
    const { url, key } = this.destination();
    const ping = randomBytes(16).toString('base64url').slice(0, 21);
    const body = Buffer.from(JSON.stringify({ ping, meta: { messageId: randomUUID(), when: this.now().toISOString(), type: 'ping' } }));
    const result = await deliver({ url, body, headers: metriportHeaders(body, key), timeoutMs: this.pingTimeoutMs });
    let ok = result.ok;
    let detail = result.detail;
    if (ok && pongOf(result.responseText) !== ping) {
      ok = false;
      detail = 'Invalid ping response: expected {"pong": "<ping value>"}';
    }
    this.recordHealth(ok, detail);
    this.onEvent({ type: 'ping', url, ok, detail });
  }

  private recordHealth(ok: boolean, detail: string): void {
    this.enabled = ok;
    this.statusDetail = ok ? 'OK' : detail.slice(0, 2048);
  }
}

function pongOf(text: string): unknown {
  try {
    return (JSON.parse(text) as { pong?: unknown }).pong;
  } catch {
    return undefined;
  }
}
