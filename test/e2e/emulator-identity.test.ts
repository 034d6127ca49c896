import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type CliWorld, useCliWorlds } from '../helpers/cli-env.js';
import { READY } from '../helpers/spawn-cli.js';
import { signedHeaders } from '../helpers/webhooks.js';

// Issue #26 item 1: the emulator's account lives on between runs, so `listen --emulator` restarted keeps its
// webhook key and the app's .env stays valid; `emulator --reset` starts afresh; --webhook-key pins the key.
const worlds = useCliWorlds();

/** Starts `listen --emulator`, reads the emulator's URL it prints, and the account's webhook key through `key --show`. */
async function listenEmulator(world: CliWorld, extra: string[] = []) {
  const run = world.spawn(['listen', '--emulator', '--port', '0', '--inspect-port', '0', '--no-preview', ...extra]);
  await run.waitFor(READY);
  const [, apiUrl] = await run.waitFor(/Emulator API: (http:\/\/\S+?)\.?\s/);
  const key = world.spawn(['key', '--show', '--api-url', apiUrl ?? '', '--api-key', 'local-emulator']);
  expect((await key.exited).code).toBe(0);
  return { run, apiUrl: apiUrl ?? '', webhookKey: key.stdout().trim() };
}

async function stop(run: ReturnType<CliWorld['spawn']>) {
  run.child.kill('SIGINT');
  expect((await run.exited).code).toBe(0);
}

describe('the emulated account between runs', () => {
  it('keeps its webhook key across listen --emulator runs (an app that kept it still verifies), until emulator --reset', async () => {
    const world = await worlds.newWorld();
    const first = await listenEmulator(world);
    expect(first.webhookKey).toMatch(/^[\w-]{21}$/);
    await stop(first.run);

    const second = await listenEmulator(world);
    expect(second.webhookKey).toBe(first.webhookKey);
    // The listener of the second run verifies with the key the app kept from the first.
    const [, localUrl] = await second.run.waitFor(READY);
    const body = Buffer.from(JSON.stringify({ meta: { messageId: 'kept-key-1', when: new Date().toISOString(), type: 'patient.admit' } }));
    const answer = await fetch(localUrl ?? '', {
      method: 'POST',
      body: new Uint8Array(body),
      headers: signedHeaders(body, first.webhookKey),
    });
    expect(answer.status).toBe(200);
    await stop(second.run);

    const reset = world.spawn(['emulator', '--port', '0', '--api-key', 'local-emulator', '--reset']);
    const [, resetUrl] = await reset.waitFor(/Emulator ready: (http:\/\/\S+)/);
    expect(reset.stderr()).toMatch(/Account started afresh in \S+emulator-account-\w+\.json/);
    const settings = await (await fetch(`${resetUrl}/settings`, { headers: { 'x-api-key': 'local-emulator' } })).json();
    expect(settings.webhookKey).toBeNull();
    await stop(reset);
    const third = await listenEmulator(world);
    expect(third.webhookKey).not.toBe(first.webhookKey);
    await stop(third.run);
  });

  it('takes the key the app already has with --webhook-key', async () => {
    const world = await worlds.newWorld();
    const pinned = 'pinned_app_key_123456';
    const { run, webhookKey } = await listenEmulator(world, ['--webhook-key', pinned]);
    expect(webhookKey).toBe(pinned);
    await stop(run);
  });
});

describe('trigger --flow', () => {
  it("has the emulator play a flow to the listener, the query's messages tied by its requestId, faults as asked", async () => {
    const world = await worlds.newWorld();
    const { run, apiUrl } = await listenEmulator(world);
    const flow = world.spawn([
      'trigger',
      '--flow',
      'document-query',
      '--faults',
      'out-of-order',
      '--json',
      '--api-url',
      apiUrl,
      '--api-key',
      'local-emulator',
    ]);
    expect((await flow.exited).code).toBe(0);
    const played = JSON.parse(flow.stdout());
    expect(played.messages.map((message: { type: string }) => message.type)).toEqual([
      'medical.document-conversion',
      'medical.document-download',
      'medical.document-bulk-download-urls',
    ]);
    for (const message of played.messages) {
      expect(message).toMatchObject({ delivery: 'success', httpStatus: 200 });
      await run.waitFor(new RegExp(`${message.messageId.slice(0, 8)} `), 'stdout');
    }
    // The download and the conversion answer the document query (its requestId); the bulk URLs, a request of their own.
    const [conversion, download, bulk] = played.messages;
    expect([conversion.requestId, download.requestId]).toEqual([played.requestId, played.requestId]);
    expect(bulk.requestId).toEqual(expect.any(String));
    expect(bulk.requestId).not.toBe(played.requestId);
    await stop(run);
  });

  it('refuses a fault the flow does not have, and an API that is not the emulator, each with the next step', async () => {
    const world = await worlds.newWorld();
    const unknownFault = world.spawn([
      'trigger',
      '--flow',
      'adt',
      '--faults',
      'empty-documents',
      '--api-url',
      'http://127.0.0.1:9',
      '--api-key',
      'k',
    ]);
    expect((await unknownFault.exited).code).toBe(2);
    expect(unknownFault.stderr()).toMatch(
      /--faults empty-documents is not a fault of the adt flow\. .*Its faults: duplicate, out-of-order, stuck, expired-retry\./,
    );

    const notEmulator = createServer((_request, response) =>
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}'),
    );
    await new Promise<void>((resolve) => notEmulator.listen(0, '127.0.0.1', resolve));
    worlds.onCleanup(() => new Promise((resolve) => notEmulator.close(resolve)));
    const url = `http://127.0.0.1:${(notEmulator.address() as AddressInfo).port}`;
    const refused = world.spawn(['trigger', '--flow', 'consolidated', '--api-url', url, '--api-key', 'k']);
    expect((await refused.exited).code).toBe(2);
    expect(refused.stderr()).toMatch(
      /Flows are played by the emulator, and the API at http:\/\/127\.0\.0\.1:\d+ is not one \(404 to POST \/emulator\/flows\/consolidated\)\. Pass the --api-url/,
    );
  });
});
