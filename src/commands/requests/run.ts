import { findWebhookRequests, redactRow } from '../../account/webhook-requests.js';
import type { CommandInput } from '../../config/option-table.js';
import { usageError } from '../../errors.js';
import type { RequestsResult } from '../../output/commands/requests.js';
import { judgeTypeEntry } from '../../samples/samples.js';
import { createEventFilter } from '../../webhook/event-filter.js';
import { apiFromFlags } from '../shared/api-client.js';
import type { RunContext } from '../shared/run-command.js';
import { stopOnSignals } from '../shared/signals.js';
import type { REQUESTS_OPTIONS } from './options.js';

export { renderRequests as render } from '../../output/commands/requests.js';

export type RequestsInput = CommandInput<[], typeof REQUESTS_OPTIONS>;

const DEFAULT_LIMIT = 20;

/** `--type` naming no type Metriport sends: what was most likely meant (kept as given: new types appear). */
function unknownType(type: string | undefined): { guess: string | undefined } | undefined {
  if (type === undefined) return undefined;
  const judged = judgeTypeEntry(type);
  return judged.matches ? undefined : { guess: judged.guess };
}

/** The webhook requests Metriport sent, newest first, filtered by --failed and --type. */
export async function run({ flags }: RequestsInput, context: RunContext): Promise<RequestsResult> {
  const limit = flags.limit === undefined ? DEFAULT_LIMIT : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw usageError('BAD_LIMIT', `--limit ${JSON.stringify(flags.limit)} is not a positive whole number.`, 'Pass e.g. --limit 50.');
  const { client, apiKey } = apiFromFlags(flags, context);
  const typeFilter = createEventFilter(flags.type === undefined ? [] : [flags.type]);
  const filtered = flags.failed === true || flags.type !== undefined;
  // Ctrl-C gives up the page in flight at once (exit 130) instead of waiting out the API's timeout.
  const stop = stopOnSignals({});
  try {
    // The account's webhook key is read too: a row's detail or payload can quote it, and it is cut from them.
    const [settings, found] = await Promise.allSettled([
      client.getSettings({ signal: stop.signal }),
      findWebhookRequests(client, {
        limit,
        matches: filtered ? (row) => (!flags.failed || row.status === 'failure') && typeFilter(row.type) : undefined,
        signal: stop.signal,
      }),
    ]);
    if (found.status === 'rejected') throw found.reason;
    if (settings.status === 'rejected') throw settings.reason;
    const secrets = [apiKey, ...(settings.value.webhookKey === null ? [] : [settings.value.webhookKey])];
    return {
      rows: found.value.map((row) => redactRow(row, secrets)),
      target: client.target.description,
      filter: { failed: flags.failed === true, type: flags.type, typeUnknown: unknownType(flags.type) },
    };
  } finally {
    stop.dispose();
  }
}
