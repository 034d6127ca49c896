import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { findWebhookRequests } from '../../src/account/webhook-requests.js';
import { startEmulator } from '../../src/emulator/app.js';
import { MwError } from '../../src/errors.js';
import { ANSWER_TOO_LARGE, type MetriportClient } from '../../src/metriport/client.js';
import type { WebhookRequestRow } from '../../src/metriport/types.js';
import { loadSample } from '../../src/samples/samples.js';
import { TEST_API_KEY, useCliWorlds } from '../helpers/cli-env.js';

// Issue #24 item 6: every API answer was cut at 1 MiB, so `requests` failed with "not JSON" against the
// tool's own emulator holding 600 ordinary document-download rows. Each answer now has the bound its
// endpoint needs, pages shrink when rows are big, and a bound that is hit is named.

const worlds = useCliWorlds();

/** A document-download payload for one patient with `documents` documents, as a document query sends it. */
function documentDownload(patient: number, documents: number): Record<string, unknown> {
  const sample = loadSample('medical.document-download') as {
    meta: Record<string, unknown>;
    patients: Array<{ documents: Array<Record<string, unknown>> }>;
  };
  const [patientTemplate] = sample.patients;
  const template = patientTemplate?.documents[0];
  if (patientTemplate === undefined || template === undefined) throw new Error('the document-download sample has no document');
  delete sample.meta.messageId;
  delete sample.meta.when;
  return {
    meta: sample.meta,
    patients: [
      {
        ...patientTemplate,
        patientId: `0195d964-d166-7226-8912-${String(patient).padStart(12, '0')}`,
        documents: Array.from({ length: documents }, (_, index) => ({
          ...template,
          id: `0195d9a1-${String(patient).padStart(4, '0')}-7000-8000-${String(index).padStart(12, '0')}`,
          fileName: `document-${patient}-${index}.xml`,
          size: 1000 + patient * 7 + index,
        })),
      },
    ],
  };
}

describe('API answers have bounds by endpoint', () => {
  it('`requests` lists 600 document-download rows from the emulator (a page of them is well over 1 MiB)', async () => {
    const emulator = await startEmulator({ host: '127.0.0.1', port: 0, apiKey: TEST_API_KEY, allowLocalUrls: true });
    worlds.onCleanup(() => emulator.close());
    // No URL registered: each is stored as failed, as Metriport stores what it could not send.
    for (let patient = 0; patient < 600; patient += 1) await emulator.account.send(documentDownload(patient, 4 + (patient % 9)));
    const firstPage = emulator.account.listRequests({ ascending: false }).slice(0, 500);
    expect(Buffer.byteLength(JSON.stringify({ requests: firstPage }))).toBeGreaterThan(1.5 * 1024 * 1024);

    const world = await worlds.newWorld();
    const env = { METRIPORT_API_URL: emulator.url, METRIPORT_API_KEY: TEST_API_KEY };
    const all = world.spawn(['requests', '--limit', '600', '--json'], env);
    expect((await all.exited).code).toBe(0);
    const rows = all
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as WebhookRequestRow);
    expect(rows).toHaveLength(600);
    expect(new Set(rows.map((row) => row.id)).size).toBe(600);
    expect(rows.map((row) => row.id)).toEqual(emulator.account.listRequests({ ascending: false }).map((row) => row.id));

    const human = world.spawn(['requests', '--failed', '--type', 'medical.'], env);
    expect((await human.exited).code).toBe(0);
    expect(human.stdout().trim().split('\n')).toHaveLength(20);
    expect(human.stderr()).toMatch(/^20 failed medical\. request\(s\) at the API at .*, newest first\./);
  });

  it('an answer past its bound says "more than N" (never "not JSON"), and an endless one ends at the bound', async () => {
    // GET /settings streams for ever; GET /settings/webhook is fine.
    const server = createServer((request, response) => {
      if (request.url === '/settings/webhook') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ webhookEnabled: true, webhookStatusDetail: 'OK', webhookRequestsProcessing: 0, webhookRequestsFailed: 0 }),
        );
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"id":"x","webhookUrl":"');
      const chunk = 'a'.repeat(64 * 1024);
      const more = () => {
        while (!response.destroyed && response.write(chunk));
        if (!response.destroyed) response.once('drain', more);
      };
      more();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    worlds.onCleanup(() => new Promise((resolve) => server.close(resolve)));
    worlds.onCleanup(() => server.closeAllConnections());
    const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const world = await worlds.newWorld();
    const status = world.spawn(['status', '--api-url', apiUrl], { METRIPORT_API_KEY: TEST_API_KEY });
    expect((await status.exited).code).toBe(5);
    expect(status.stderr()).toBe(
      `Error: The API at ${apiUrl} answered more than 256 KB to GET /settings; it was not read. That endpoint never answers so much: check that ${apiUrl} is Metriport's API (or the emulator).\n`,
    );
  });

  it('a page past the bound is asked again with fewer rows, down to one; then the error names the bound', async () => {
    const rows = Array.from({ length: 7 }, (_, index) => ({ id: `r${index}` }) as WebhookRequestRow);
    const asked: Array<{ count?: number; fromItem?: string }> = [];
    const tooLarge = () =>
      new MwError('The API at x answered more than 32 MB to GET /settings/webhook/request; it was not read.', {
        code: ANSWER_TOO_LARGE,
        category: 'api',
      });
    const fake = (largestPage: number): MetriportClient =>
      ({
        listWebhookRequests: async (query: { count?: number; fromItem?: string }) => {
          asked.push(query);
          const count = query.count ?? 50;
          if (count > largestPage) throw tooLarge();
          const start = query.fromItem === undefined ? 0 : rows.findIndex((row) => row.id === query.fromItem);
          const next = rows[start + count];
          return {
            meta: {
              itemsOnPage: count,
              ...(next === undefined ? {} : { nextPage: `http://x/settings/webhook/request?fromItem=${next.id}` }),
            },
            requests: rows.slice(start, start + count),
          };
        },
      }) as unknown as MetriportClient;

    const found = await findWebhookRequests(fake(100), { limit: 10, matches: () => true });
    expect(found.map((row) => row.id)).toEqual(rows.map((row) => row.id));
    expect(asked.map((query) => query.count)).toEqual([500, 250, 125, 62]);

    asked.length = 0;
    const error = await findWebhookRequests(fake(0), { limit: 10, matches: () => true }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: ANSWER_TOO_LARGE, hint: expect.stringMatching(/Even a page of one request was that large/) });
    expect(asked.map((query) => query.count)).toEqual([500, 250, 125, 62, 31, 15, 7, 3, 1]);
  });
});
