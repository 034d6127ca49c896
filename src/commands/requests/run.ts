import { findWebhookRequests } from '../../account/webhook-requests.js';
import type { CommandInput } from '../../config/option-table.js';
import { usageError } from '../../errors.js';
import type { RequestsResult } from '../../output/commands/requests.js';
import { createEventFilter } from '../../webhook/event-filter.js';
import { clientFromFlags } from '../shared/api-client.js';
import type { RunContext } from '../shared/run-command.js';
import type { REQUESTS_OPTIONS } from './options.js';

export { renderRequests as render } from '../../output/commands/requests.js';

export type RequestsInput = CommandInput<[], typeof REQUESTS_OPTIONS>;

const DEFAULT_LIMIT = 20;

/** The webhook requests Metriport sent, newest first, filtered by --failed and --type. */
export async function run({ flags }: RequestsInput, context: RunContext): Promise<RequestsResult> {
  const limit = flags.limit === undefined ? DEFAULT_LIMIT : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw usageError('BAD_LIMIT', `--limit ${JSON.stringify(flags.limit)} is not a positive whole number.`, 'Pass e.g. --limit 50.');
  const client = clientFromFlags(flags, context);
  const typeFilter = createEventFilter(flags.type === undefined ? [] : [flags.type]);
  const filtered = flags.failed === true || flags.type !== undefined;
  const rows = await findWebhookRequests(client, {
    limit,
    matches: filtered ? (row) => (!flags.failed || row.status === 'failure') && typeFilter(row.type) : undefined,
  });
  return { rows, target: client.target.description, filter: { failed: flags.failed === true, type: flags.type } };
}
