import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCliWorlds } from '../helpers/cli-env.js';
import { type MetriportMedicalApi, schemaIssues, sdk, urlsIn } from '../helpers/emulated-world.js';
import { fhirValidator } from '../helpers/fhir-validator.js';
import { READY } from '../helpers/spawn-cli.js';

// Issue #26, "Done when": an app written only against @metriport/api-sdk runs its whole integration against
// `listen --emulator --forward-to`, receives every webhook at its own endpoint, verifies them, downloads every
// URL in them and validates the FHIR; a URL fetched after its lifetime answers 403.
const { newWorld, onCleanup } = useCliWorlds();
let validate: (resource: unknown) => void;
beforeAll(async () => {
  validate = await fhirValidator();
});

interface Delivered {
  raw: Buffer;
  headers: IncomingHttpHeaders;
  body: Record<string, any>;
}

/** The integrator's app: one webhook endpoint that answers 200 at once and keeps what it got. */
async function integratorApp(): Promise<{ url: string; delivered: Delivered[]; until(check: () => boolean): Promise<void> }> {
  const delivered: Delivered[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      delivered.push({ raw, headers: req.headers, body: JSON.parse(raw.toString()) });
      res.writeHead(200).end();
      for (const waiter of waiters) waiter();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`,
    delivered,
    until: (check) =>
      new Promise((resolve) => {
        const waiter = () => {
          if (!check()) return;
          waiters.delete(waiter);
          resolve();
        };
        waiters.add(waiter);
        waiter();
      }),
  };
}

describe('a whole integration against listen --emulator', () => {
  it('patient, consolidated, document query, bulk URLs, network query and bulk import: every webhook verified, every URL downloaded, the FHIR valid', async () => {
    const app = await integratorApp();
    const world = await newWorld();
    const run = world.spawn(['listen', '--emulator', '--forward-to', app.url, '--port', '0']);
    const [, apiUrl] = await run.waitFor(/Emulator API: (http:\/\/\S+)/);
    await run.waitFor(READY);

    // ---- the app, written against the SDK only ----
    const api: MetriportMedicalApi = new sdk.MetriportMedicalApi('local-emulator', { baseAddress: apiUrl });
    const { webhookKey } = await api.getSettings();
    const [facility] = await api.listFacilities();
    const patient = await api.createPatient(
      {
        firstName: 'Sam',
        lastName: 'Integration',
        dob: '1969-02-14',
        genderAtBirth: 'F',
        address: [{ addressLine1: '5 Flow Road', city: 'Springfield', state: 'IL' as never, zip: '62701', country: 'USA' }],
        externalId: 'app-0001',
      },
      facility?.id ?? '',
    );
    expect(sdk.patientSchema.parse(patient).id).toBe(patient.id);
    const consolidated = await api.startConsolidatedQuery(patient.id, undefined, undefined, undefined, 'json');
    const documents = sdk.documentQuerySchema.parse(await api.startDocumentQuery(patient.id, facility?.id));
    const network = await api.startNetworkQuery({ patientId: patient.id, sources: ['hie', 'pharmacy', 'lab'] });
    const csv =
      'firstName,lastName,dob,genderAtBirth,addressLine1,city,state,zip\nLee,Bulk,1990-09-09,M,8 Import Way,Springfield,IL,62701\n';
    const job = (await api.api.post('/patient/bulk')).data as { requestId: string; uploadUrl: string; status: string };
    expect(job.status).toBe('waiting');
    expect((await fetch(job.uploadUrl, { method: 'PUT', body: csv, headers: { 'content-type': 'text/csv' } })).status).toBe(200);

    const of = (requestId: string | undefined, type?: string) =>
      app.delivered.filter(
        (message) => message.body.meta?.requestId === requestId && (type === undefined || message.body.meta.type === type),
      );
    // The bulk URLs are asked for once the documents are in, as an integration does.
    await app.until(() => of(documents.requestId, 'medical.document-download').length === 1);
    const bulkUrls = await api.startBulkGetDocumentUrl(patient.id);
    await app.until(
      () =>
        of(consolidated.requestId).length === 1 &&
        of(documents.requestId).length === 2 &&
        of(bulkUrls.requestId).length === 1 &&
        of(network.requestId).length === 4 &&
        of(job.requestId, 'medical.bulk-patient-create').length === 2,
    );

    // ---- every message: verified with the account's key, Metriport's schema, and its files ----
    const ours = [consolidated.requestId, documents.requestId, bulkUrls.requestId, network.requestId, job.requestId].flatMap((id) =>
      of(id),
    );
    let fhir = 0;
    for (const message of app.delivered) {
      const signature = String(message.headers['x-metriport-signature']);
      expect(sdk.MetriportMedicalApi.verifyWebhookSignature(webhookKey ?? '', message.raw, signature)).toBe(true);
      // The tour's devices.* samples are outside the medical schema (the Devices API has none published).
      if (!String(message.body.meta.type).startsWith('devices.')) expect(schemaIssues(message.body), message.body.meta.type).toEqual([]);
    }
    for (const message of ours) {
      for (const url of urlsIn(message.body)) {
        expect(url.startsWith(apiUrl ?? '')).toBe(true);
        const response = await fetch(url);
        expect(response.status, url).toBe(200);
        const bytes = Buffer.from(await response.arrayBuffer());
        const type = response.headers.get('content-type');
        const json = type === 'application/json' ? bytes : type === 'application/gzip' ? gunzipSync(bytes) : undefined;
        if (json === undefined) continue;
        const bundle = JSON.parse(json.toString()) as { entry: Array<{ resource: unknown }> };
        validate(bundle);
        for (const entry of bundle.entry) validate(entry.resource);
        fhir += 1;
      }
    }
    // consolidated JSON + gzip, four network-query snapshots.
    expect(fhir).toBe(6);
    const download = of(documents.requestId, 'medical.document-download')[0];
    for (const document of download?.body.patients[0].documents ?? []) {
      expect((await fetch((await api.getDocumentUrl(document.fileName)).url)).status).toBe(200);
    }

    // ---- after its lifetime, the same URL answers 403 (the emulator's clock moved forward) ----
    const [expiring] = urlsIn(of(consolidated.requestId)[0]?.body);
    const clock = await fetch(`${apiUrl}/emulator/clock`, {
      method: 'POST',
      headers: { 'x-api-key': 'local-emulator', 'content-type': 'application/json' },
      body: JSON.stringify({ advanceMs: 181_000 }),
    });
    expect(clock.status).toBe(200);
    const expired = await fetch(expiring ?? '');
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('<Code>AccessDenied</Code><Message>Request has expired</Message>');

    run.child.kill('SIGINT');
    expect((await run.exited).code).toBe(0);
  }, 90_000);
});
