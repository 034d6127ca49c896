import { isMwError, MwError, usageError } from '../errors.js';
import { ANSWER_TOO_LARGE, type MetriportClient } from '../metriport/client.js';
import type { WebhookRequestPage, WebhookRequestRow } from '../metriport/types.js';
import { isWebhookRequestId } from '../metriport/webhook-request-id.js';
import { NEXT } from '../next-command.js';
import { redactDeep, redactSecrets } from '../util/secret.js';

/** Metriport's largest page; with a filter, filtering happens here, so pages are read until enough rows match. */
const REQUEST_PAGE_SIZE = 500;

export interface FindWebhookRequestsOptions {
  limit: number;
  /** Which rows count; absent: every row, so no page asks for more rows than are still wanted. */
  matches?: ((row: WebhookRequestRow) => boolean) | undefined;
  /** Gives up the read in flight when the user stops. */
  signal?: AbortSignal | undefined;
}

/**
 * The newest webhook requests that match, at most `limit`, reading as few pages as it takes. Rows carry their
 * payloads, so a page of big ones can pass the client's bound for one answer: then the same page is asked
 * again with half as many rows (and later pages keep the smaller size), down to one row. A pagination that
 * leads back to a page already read (the same cursor, or only rows already seen) is an error, not a loop.
 */
export async function findWebhookRequests(client: MetriportClient, options: FindWebhookRequestsOptions): Promise<WebhookRequestRow[]> {
  const found: WebhookRequestRow[] = [];
  const seenRows = new Set<string>();
  const seenCursors = new Set<string>();
  let fromItem: string | undefined;
  let pageSize = REQUEST_PAGE_SIZE;
  for (;;) {
    const count = options.matches === undefined ? Math.min(pageSize, options.limit - found.length) : pageSize;
    let page: WebhookRequestPage;
    try {
      page = await client.listWebhookRequests({ count, ...(fromItem === undefined ? {} : { fromItem }) }, { signal: options.signal });
    } catch (error) {
      if (!isMwError(error) || error.code !== ANSWER_TOO_LARGE) throw error;
      if (count > 1) {
        pageSize = Math.floor(count / 2);
        continue;
      }
      throw new MwError(error.message, {
        code: error.code,
        category: error.category,
        hint: 'Even a page of one request was that large: look that request up in the dashboard.',
        cause: error,
      });
    }
    const fresh = page.requests.filter((row) => !seenRows.has(row.id));
    if (page.requests.length > 0 && fresh.length === 0) throw paginationCycle(client, { at: fromItem, rows: found.length });
    for (const row of fresh) {
      seenRows.add(row.id);
      if (options.matches === undefined || options.matches(row)) found.push(row);
      if (found.length >= options.limit) return found;
    }
    const next = nextCursor(client, page.meta.nextPage);
    if (next === null || page.requests.length === 0) return found;
    if (next === fromItem || seenCursors.has(next)) throw paginationCycle(client, { at: next, rows: found.length });
    seenCursors.add(next);
    fromItem = next;
  }
}

/** `fromItem` of Metriport's `meta.nextPage` (a URL), or null at the end. */
function nextCursor(client: MetriportClient, nextPage: string | undefined): string | null {
  if (nextPage === undefined) return null;
  if (!URL.canParse(nextPage, `${client.target.baseUrl}/`)) {
    throw new MwError(
      `${capitalise(client.target.description)} answered GET /settings/webhook/request with a meta.nextPage that is not a URL.`,
      {
        code: 'API_UNEXPECTED',
        category: 'api',
        hint: `Check that ${client.target.baseUrl} is Metriport's API (or the emulator).`,
      },
    );
  }
  return new URL(nextPage, `${client.target.baseUrl}/`).searchParams.get('fromItem');
}

function paginationCycle(client: MetriportClient, input: { at: string | undefined; rows: number }): MwError {
  return new MwError(
    `${capitalise(client.target.description)} led the list of webhook requests back to a page it had already given${input.at === undefined ? '' : ` (fromItem ${input.at})`}, so reading stopped there after ${input.rows} matching row(s).`,
    {
      code: 'API_PAGINATION_CYCLE',
      category: 'api',
      hint: `Metriport's pages never repeat: check that ${client.target.baseUrl} is its API (or the emulator), or narrow the list with --limit.`,
    },
  );
}

/**
 * A row as it may be shown: every secret the command knows (the API key, the account's webhook key) cut from
 * each of its texts and from its payload, since the API can echo them (a failed request's detail quotes what
 * was sent).
 */
export function redactRow(row: WebhookRequestRow, secrets: readonly string[]): WebhookRequestRow {
  const cut = (text: string) => redactSecrets(text, secrets);
  const cutOrNull = (text: string | null) => (text === null ? null : cut(text));
  return {
    ...row,
    id: cut(row.id),
    type: cut(row.type),
    statusDetail: cutOrNull(row.statusDetail),
    requestUrl: cutOrNull(row.requestUrl),
    requestId: cutOrNull(row.requestId),
    createdAt: cut(row.createdAt),
    payload: redactDeep(row.payload, secrets),
  };
}

function capitalise(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/** At most this many candidates are named when a prefix is ambiguous. */
const CANDIDATES_SHOWN = 5;

/**
 * The one webhook request whose id starts with `prefix` (as the terminal and the inspector show ids: their
 * first 8 characters), read from the list as `requests` reads it. None is an error naming where to look;
 * several is a usage error naming them, as git does with a short hash.
 */
export async function findRequestByPrefix(
  client: MetriportClient,
  input: { prefix: string; signal?: AbortSignal | undefined },
): Promise<WebhookRequestRow> {
  const { prefix } = input;
  const found = await findWebhookRequests(client, {
    limit: CANDIDATES_SHOWN + 1,
    matches: (row) => row.id.toLowerCase().startsWith(prefix),
    signal: input.signal,
  });
  const [only] = found;
  if (only !== undefined && found.length === 1 && isWebhookRequestId(only.id)) return only;
  if (found.length === 0) {
    throw new MwError(`No webhook request at ${client.target.description} has an id starting with ${prefix}.`, {
      code: 'WEBHOOK_REQUEST_NOT_FOUND',
      category: 'api',
      hint: `List them with ${NEXT}; Metriport keeps them 30 days.`,
      next: { command: 'requests', sameApi: true },
    });
  }
  const named = found
    .slice(0, CANDIDATES_SHOWN)
    .map((row) => `${row.id} (${row.type}, ${row.status}, ${row.createdAt})`)
    .join('; ');
  const more = found.length > CANDIDATES_SHOWN ? '; and more' : '';
  if (found.length === 1) {
    throw new MwError(`The request starting with ${prefix} has an id that is not a UUID (${found[0]?.id}), so it cannot be resent by id.`, {
      code: 'API_UNEXPECTED',
      category: 'api',
      hint: `Resend every failed request with ${NEXT}, or that one from the dashboard.`,
      next: { command: 'retry', sameApi: true },
    });
  }
  throw usageError('AMBIGUOUS_ID', `${prefix} starts the ids of more than one webhook request: ${named}${more}.`, 'Pass more of the id.');
}
