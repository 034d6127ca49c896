import { usageError } from '../errors.js';

/** Metriport's webhook request ids are UUIDs (the message's `meta.messageId`), of any version. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isWebhookRequestId(id: string): boolean {
  return UUID.test(id);
}

/**
 * Checks an id the user typed before anything is sent or planned (`--dry-run` included): a usage error that
 * names where it came from (`what`, e.g. "The id given to `retry`") and where to find real ids.
 */
export function checkWebhookRequestId(id: string, what: string): string {
  if (isWebhookRequestId(id)) return id;
  const shown = id.length > 60 ? `${JSON.stringify(id.slice(0, 60))}…` : JSON.stringify(id);
  throw usageError(
    'BAD_REQUEST_ID',
    `${what} (${shown}) is not a webhook request id: Metriport's ids are UUIDs, like 0195d9a0-aaaa-7bbb-8ccc-000000000001.`,
    'Copy one from `requests` (its id column, or .id with --json).',
  );
}
