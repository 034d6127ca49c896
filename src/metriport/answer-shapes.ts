import { isRecord } from '../util/json.js';
import type { EmulatorFlowAnswer, SamplePayloadResult, Settings, WebhookRequestPage, WebhookRequestRow, WebhookStatus } from './types.js';

/**
 * The shapes of the API's answers, checked where they enter (the client), so that a wrong type is one clear
 * error naming the call and the field, never a TypeError deep in a command (exit 70) or a string printed where
 * a count belongs. Only what the tool uses is checked; a field documented as nullable may also be absent.
 */
export class ShapeMismatch extends Error {
  /** Where in the answer, e.g. `webhookRequestsFailed` or `requests[3].httpStatus`; `''` for the whole answer. */
  readonly field: string;
  /** What belongs there, e.g. "a whole number". */
  readonly expected: string;
  /** What came, e.g. "a string". */
  readonly got: string;

  constructor(input: { field: string; expected: string; got: string }) {
    super(`${input.field || 'the answer'} is ${input.got}, not ${input.expected}`);
    this.name = 'ShapeMismatch';
    this.field = input.field;
    this.expected = input.expected;
    this.got = input.got;
  }
}

/** `GET /settings`, `POST /settings`. */
export function readSettings(value: unknown): Settings {
  const answer = object(value, '');
  return {
    id: typeof answer.id === 'string' ? answer.id : '',
    webhookUrl: textOrNull(answer.webhookUrl, 'webhookUrl'),
    webhookKey: textOrNull(answer.webhookKey, 'webhookKey'),
    mrFilters: answer.mrFilters ?? null,
  };
}

/** `GET /settings/webhook`. A count is `-1` when Metriport could not compute it. */
export function readWebhookStatus(value: unknown): WebhookStatus {
  const answer = object(value, '');
  if (typeof answer.webhookEnabled !== 'boolean') throw mismatch('webhookEnabled', 'true or false', answer.webhookEnabled);
  return {
    webhookEnabled: answer.webhookEnabled,
    webhookStatusDetail: textOrNull(answer.webhookStatusDetail, 'webhookStatusDetail'),
    webhookRequestsProcessing: count(answer.webhookRequestsProcessing, 'webhookRequestsProcessing'),
    webhookRequestsFailed: count(answer.webhookRequestsFailed, 'webhookRequestsFailed'),
  };
}

const ROW_STATUSES: ReadonlySet<string> = new Set<WebhookRequestRow['status']>(['processing', 'success', 'failure']);

/** `GET /settings/webhook/request`: one page. */
export function readRequestPage(value: unknown): WebhookRequestPage {
  const answer = object(value, '');
  const meta = object(answer.meta, 'meta');
  if (!Array.isArray(answer.requests)) throw mismatch('requests', 'an array', answer.requests);
  const nextPage = textOrNull(meta.nextPage, 'meta.nextPage');
  const requests = answer.requests.map((item: unknown, index): WebhookRequestRow => {
    const at = `requests[${index}]`;
    const row = object(item, at);
    const status = text(row.status, `${at}.status`);
    if (!ROW_STATUSES.has(status))
      throw new ShapeMismatch({ field: `${at}.status`, expected: 'processing, success or failure', got: 'another word' });
    return {
      id: text(row.id, `${at}.id`),
      type: text(row.type, `${at}.type`),
      status: status as WebhookRequestRow['status'],
      statusDetail: textOrNull(row.statusDetail, `${at}.statusDetail`),
      requestUrl: textOrNull(row.requestUrl, `${at}.requestUrl`),
      httpStatus: countOrNull(row.httpStatus, `${at}.httpStatus`),
      durationMillis: countOrNull(row.durationMillis, `${at}.durationMillis`),
      requestId: textOrNull(row.requestId, `${at}.requestId`),
      createdAt: text(row.createdAt, `${at}.createdAt`),
      payload: row.payload ?? null,
    };
  });
  return {
    meta: {
      itemsOnPage: typeof meta.itemsOnPage === 'number' ? meta.itemsOnPage : requests.length,
      ...(typeof meta.itemsInTotal === 'number' ? { itemsInTotal: meta.itemsInTotal } : {}),
      ...(nextPage === null ? {} : { nextPage }),
    },
    requests,
  };
}

/** `POST /settings/webhook/sample-payload` answered 200. */
export function readSamplePayload(value: unknown): SamplePayloadResult {
  const answer = object(value, '');
  return {
    status: count(answer.status, 'status'),
    webhookResponse: answer.webhookResponse ?? null,
    url: text(answer.url, 'url'),
    durationMillis: countOrNull(answer.durationMillis, 'durationMillis'),
  };
}

/** `POST /emulator/flows/:flow` (the emulator's own endpoint): what it sent, message by message. */
export function readEmulatorFlowAnswer(value: unknown): EmulatorFlowAnswer {
  const answer = object(value, '');
  if (!Array.isArray(answer.faults)) throw mismatch('faults', 'an array', answer.faults);
  if (!Array.isArray(answer.messages)) throw mismatch('messages', 'an array', answer.messages);
  if (typeof answer.stuck !== 'boolean') throw mismatch('stuck', 'true or false', answer.stuck);
  const patientId = textOrNull(answer.patientId, 'patientId');
  return {
    flow: text(answer.flow, 'flow'),
    ...(patientId === null ? {} : { patientId }),
    requestId: text(answer.requestId, 'requestId'),
    faults: answer.faults.map((fault: unknown, index) => text(fault, `faults[${index}]`)),
    messages: answer.messages.map((item: unknown, index) => {
      const at = `messages[${index}]`;
      const message = object(item, at);
      const requestId = textOrNull(message.requestId, `${at}.requestId`);
      return {
        type: text(message.type, `${at}.type`),
        messageId: text(message.messageId, `${at}.messageId`),
        ...(requestId === null ? {} : { requestId }),
        delivery: text(message.delivery, `${at}.delivery`),
        httpStatus: countOrNull(message.httpStatus, `${at}.httpStatus`),
        ...(message.duplicated === true ? { duplicated: true } : {}),
        ...(message.late === true ? { late: true } : {}),
      };
    }),
    stuck: answer.stuck,
  };
}

/** An answer that must be a JSON object (the payload `POST …/request/:id/retry` sent). */
export function readObject(value: unknown): Record<string, unknown> {
  return object(value, '');
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (isRecord(value)) return value;
  throw mismatch(field, 'an object', value);
}

function text(value: unknown, field: string): string {
  if (typeof value === 'string') return value;
  throw mismatch(field, 'a string', value);
}

function textOrNull(value: unknown, field: string): string | null {
  return value === undefined || value === null ? null : text(value, field);
}

function count(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'number')
    throw new ShapeMismatch({ field, expected: 'a whole number', got: Number.isInteger(value) ? 'a number too large' : 'a fraction' });
  throw mismatch(field, 'a whole number', value);
}

function countOrNull(value: unknown, field: string): number | null {
  return value === undefined || value === null ? null : count(value, field);
}

function mismatch(field: string, expected: string, value: unknown): ShapeMismatch {
  return new ShapeMismatch({ field, expected, got: kindOf(value) });
}

/** What came, in words, never the value itself (it may be huge, or hostile). */
function kindOf(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
