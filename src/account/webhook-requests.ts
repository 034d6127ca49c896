import { isMwError, MwError } from '../errors.js';
import { ANSWER_TOO_LARGE, type MetriportClient } from '../metriport/client.js';
import type { WebhookRequestPage, WebhookRequestRow } from '../metriport/types.js';

/** Metriport's largest page; filtering happens here, so pages are read until enough rows match. */
const REQUEST_PAGE_SIZE = 500;

/**
 * The newest webhook requests that match, at most `limit`, reading as few pages as it takes. Rows carry their
 * payloads, so a page of big ones can pass the client's bound for one answer: then the same page is asked
 * again with half as many rows (and later pages keep the smaller size), down to one row.
 */
export async function findWebhookRequests(
  client: MetriportClient,
  options: { limit: number; matches: (row: WebhookRequestRow) => boolean },
): Promise<WebhookRequestRow[]> {
  const found: WebhookRequestRow[] = [];
  let fromItem: string | undefined;
  let count = REQUEST_PAGE_SIZE;
  for (;;) {
    let page: WebhookRequestPage;
    try {
      page = await client.listWebhookRequests({ count, ...(fromItem === undefined ? {} : { fromItem }) });
    } catch (error) {
      if (!isMwError(error) || error.code !== ANSWER_TOO_LARGE) throw error;
      if (count > 1) {
        count = Math.floor(count / 2);
        continue;
      }
      throw new MwError(error.message, {
        code: error.code,
        category: error.category,
        hint: 'Even a page of one request was that large: look that request up in the dashboard.',
        cause: error,
      });
    }
    for (const row of page.requests) {
      if (options.matches(row)) found.push(row);
      if (found.length >= options.limit) return found;
    }
    const next = page.meta.nextPage === undefined ? null : new URL(page.meta.nextPage).searchParams.get('fromItem');
    if (next === null || next === fromItem || page.requests.length === 0) return found;
    fromItem = next;
  }
}
