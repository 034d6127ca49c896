/** Metriport's wire shapes, shared by the client and the emulator (the two sides of one contract). */

/** `GET /settings` and `POST /settings` answer. */
export interface Settings {
  id: string;
  webhookUrl: string | null;
  webhookKey: string | null;
  mrFilters: unknown;
}

/** `GET /settings/webhook` answer. A count is `-1` when Metriport failed to compute it. */
export interface WebhookStatus {
  webhookEnabled: boolean;
  webhookStatusDetail: string | null;
  webhookRequestsProcessing: number;
  webhookRequestsFailed: number;
}

/**
 * `POST /settings/webhook/sample-payload`: `status` is the receiver's HTTP status. A failed send comes back
 * from Metriport as a 500 `WebhookError` whose additional info names the status and the failure; the
 * client reads that into the same shape, with `failure` set and no duration.
 */
export interface SamplePayloadResult {
  status: number;
  webhookResponse: unknown;
  url: string;
  durationMillis: number | null;
  failure?: string;
}

/** One row of `GET /settings/webhook/request`: a webhook request Metriport sent (kept 30 days). */
export interface WebhookRequestRow {
  /** Also the message's `meta.messageId`. */
  id: string;
  type: string;
  status: 'processing' | 'success' | 'failure';
  statusDetail: string | null;
  requestUrl: string | null;
  httpStatus: number | null;
  durationMillis: number | null;
  requestId: string | null;
  createdAt: string;
  payload: unknown;
}

/** `GET /settings/webhook/request` answer (Metriport's pagination: `meta.nextPage` is the next page's URL). */
export interface WebhookRequestPage {
  meta: { itemsOnPage: number; itemsInTotal?: number; nextPage?: string };
  requests: WebhookRequestRow[];
}

/**
 * `POST /emulator/flows/:flow` (the emulator's own, not Metriport's): a whole flow played for one patient, what
 * was sent, and whether it will ever finish.
 */
export interface EmulatorFlowAnswer {
  flow: string;
  patientId?: string | null | undefined;
  requestId: string;
  faults: string[];
  messages: Array<{
    type: string;
    messageId: string;
    requestId?: string;
    delivery: string;
    httpStatus: number | null;
    duplicated?: boolean;
    late?: boolean;
  }>;
  stuck: boolean;
}

/** Metriport's error body. */
export interface ApiErrorBody {
  status: number;
  title: string;
  detail: string;
  name: string;
}

export const PRODUCTION_API_URL = 'https://api.metriport.com';
export const SANDBOX_API_URL = 'https://api.sandbox.metriport.com';
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/** Headers of a webhook request as Metriport sends it. */
export const WEBHOOK_USER_AGENT = 'Metriport API';

/** Metriport's sender timeouts (protocol notes): 5 s for a message, 2 s for the ping. */
export const MESSAGE_TIMEOUT_MS = 5000;
export const PING_TIMEOUT_MS = 2000;

/**
 * The API key the emulator accepts unless told otherwise (`emulator --api-key`). Public, so the commands the
 * tool suggests print it where a real key would be left for the user to fill in.
 */
export const DEFAULT_EMULATOR_API_KEY = 'local-emulator';
