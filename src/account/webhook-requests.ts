import type { MetriportClient } from '../metriport/client.js';
import type { WebhookRequestRow } from '../metriport/types.js';

/** Metriport's largest page; filtering happens here, so pages are read until enough rows match. */
const REQUEST_PAGE_SIZE = 500;

/** The newest webhook requests that match, at most `limit`, reading as few pages as it takes. */
export async function findWebhookRequests(
  client: MetriportClient,
  options: { limit: number; matches: (row: WebhookRequestRow) => boolean },
): Promise<WebhookRequestRow[]> {
  const found: WebhookRequestRow[] = [];
  let fromItem: string | undefined;
  for (;;) {
    const page = await client.listWebhookRequests({ count: REQUEST_PAGE_SIZE, ...(fromItem === undefined ? {} : { fromItem }) });
    for (const row of page.requests) {
      if (options.matches(row)) found.push(row);
      if (found.length >= options.limit) return found;
    }
    const next = page.meta.nextPage === undefined ? null : new URL(page.meta.nextPage).searchParams.get('fromItem');
    if (next === null || next === fromItem || page.requests.length === 0) return found;
    fromItem = next;
  }
}
