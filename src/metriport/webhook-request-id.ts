import { usageError } from '../errors.js';

/** Metriport's webhook request ids are UUIDs (the message's `meta.messageId`), of any version. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isWebhookRequestId(id: string): boolean {
  return UUID.test(id);
}

const UUID_TEMPLATE = 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx';
/** The shortest prefix taken, as git's: shorter ones would match too much to be what was meant. */
export const MIN_ID_PREFIX = 4;

/** The start of a UUID, at least `MIN_ID_PREFIX` characters: what the terminal and the inspector show (8). */
export function isWebhookRequestIdPrefix(text: string): boolean {
  if (text.length < MIN_ID_PREFIX || text.length >= UUID_TEMPLATE.length) return false;
  return [...text].every((char, index) => (UUID_TEMPLATE[index] === '-' ? char === '-' : /[0-9a-f]/i.test(char)));
}

/**
 * What the user typed for one webhook request: a whole id, or a prefix to look up (never sent as it is, so
 * nothing that is not a UUID ever reaches a path). Anything else is a usage error, as for
 * `checkWebhookRequestId`.
 */
export function checkWebhookRequestIdOrPrefix(text: string, what: string): { kind: 'id' | 'prefix'; value: string } {
  if (isWebhookRequestIdPrefix(text)) return { kind: 'prefix', value: text.toLowerCase() };
  return { kind: 'id', value: checkWebhookRequestId(text, what, { prefixes: true }) };
}

/**
 * Checks an id the user typed before anything is sent or planned (`--dry-run` included): a usage error that
 * names where it came from (`what`, e.g. "The id given to `retry`") and where to find real ids.
 */
export function checkWebhookRequestId(id: string, what: string, options: { prefixes?: boolean } = {}): string {
  if (isWebhookRequestId(id)) return id;
  const shown = id.length > 60 ? `${JSON.stringify(id.slice(0, 60))}…` : JSON.stringify(id);
  throw usageError(
    'BAD_REQUEST_ID',
    `${what} (${shown}) is not a webhook request id: Metriport's ids are UUIDs, like 0195d9a0-aaaa-7bbb-8ccc-000000000001.`,
    `Copy one from \`requests\` (its id column, or .id with --json)${options.prefixes ? `, or its first ${MIN_ID_PREFIX} characters or more` : ''}.`,
  );
}
