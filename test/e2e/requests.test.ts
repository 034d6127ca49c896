import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { newSampleMessage } from '../../src/samples/samples.js';
import { emulatorApi, spawnEmulator, TEST_API_KEY, useCliWorlds } from '../helpers/cli-env.js';
import { refusingUrl, startTargetApp } from '../helpers/servers.js';

const worlds = useCliWorlds();

describe('requests and retry <id>', () => {
  it('lists what Metriport sent, filters failed ones by type, and resends one as a new message', async () => {
    const world = await worlds.newWorld();
    const emulator = await spawnEmulator(world);
    const env = { METRIPORT_API_URL: emulator.url, METRIPORT_API_KEY: TEST_API_KEY };
    await emulatorApi(emulator.url, 'POST', '/settings', { webhookUrl: await refusingUrl() });
    const failed = await emulatorApi(emulator.url, 'POST', '/emulator/messages', { type: 'medical.document-download' });
    await emulatorApi(emulator.url, 'POST', '/emulator/messages', { type: 'patient.admit' });

    const listed = world.spawn(['requests', '--failed', '--type', 'medical.', '--json'], env);
    expect((await listed.exited).code).toBe(0);
    const rows = listed
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(rows).toEqual([
      expect.objectContaining({ id: failed.json.messageId, type: 'medical.document-download', status: 'failure', httpStatus: 500 }),
    ]);

    // A family name without its dot finds nothing, and says which prefix was meant.
    const family = world.spawn(['requests', '--type', 'patient'], env);
    expect((await family.exited).code).toBe(0);
    expect(family.stdout()).toBe('');
    expect(family.stderr()).toMatch(
      /^No patient webhook requests at .*\.\n--type patient matches no type Metriport sends today \(a type in full, or a prefix ending in a dot\)\. Did you mean --type patient\.\? `node \S+ trigger --list` lists them\.\n$/,
    );
    const typo = world.spawn(['requests', '--type', 'patient.admitt', '--json'], env);
    expect((await typo.exited).code).toBe(0);
    expect(typo.stderr()).toMatch(/Did you mean --type patient\.admit\?/);

    const human = world.spawn(['requests'], env);
    expect((await human.exited).code).toBe(0);
    expect(human.stdout().split('\n')[0]).toMatch(/failure\s+500\s+patient\.admit\s+\S+\s+— Failed to send payload/);
    // The suggestion names a real id (the newest failed one), so it runs as printed (test/e2e/hints.test.ts runs one).
    const suggestion = human.stderr().match(/2 request\(s\) at the API at .*, newest first\. Resend one with `node \S+ retry (\S+)`\./);
    expect(suggestion?.[1]).toMatch(/^[0-9a-f-]{36}$/);
    expect(human.stdout().split('\n')[0]).toContain(suggestion?.[1]);

    const app = await startTargetApp(() => ({ status: 200, body: '{}' }));
    worlds.onCleanup(() => app.close());
    await emulatorApi(emulator.url, 'POST', '/settings', { webhookUrl: `${app.url}/hook` });
    const retried = world.spawn(['retry', failed.json.messageId, '--json'], env);
    expect((await retried.exited).code).toBe(0);
    const outcome = JSON.parse(retried.stdout());
    expect(outcome).toMatchObject({ id: failed.json.messageId, started: true, type: 'medical.document-download' });
    expect(outcome.messageId).not.toBe(failed.json.messageId);
    const delivered = app.requests.map((request) => JSON.parse(request.body.toString()).meta);
    expect(delivered).toContainEqual(expect.objectContaining({ messageId: outcome.messageId, type: 'medical.document-download' }));
  });

  it('takes the short id the terminal shows, names the candidates when it is ambiguous, and never sends a prefix', async () => {
    const world = await worlds.newWorld();
    const emulator = await spawnEmulator(world);
    const env = { METRIPORT_API_URL: emulator.url, METRIPORT_API_KEY: TEST_API_KEY };
    await emulatorApi(emulator.url, 'POST', '/settings', { webhookUrl: await refusingUrl() });
    const ids = ['8261d0a5-1111-4111-8111-000000000001', '8261d0a5-2222-4222-8222-000000000002', '77aa0000-3333-4333-8333-000000000003'];
    for (const messageId of ids) {
      const sample = newSampleMessage('patient.admit', new Date()) as Record<string, unknown>;
      const meta = { ...(sample.meta as Record<string, unknown>), messageId };
      await emulatorApi(emulator.url, 'POST', '/emulator/messages', { ...sample, meta });
    }

    const unique = world.spawn(['retry', '77AA0000', '--json'], env);
    expect((await unique.exited).code).toBe(0);
    expect(JSON.parse(unique.stdout())).toMatchObject({ id: ids[2], started: true, type: 'patient.admit' });

    const ambiguous = world.spawn(['retry', '8261d0a5'], env);
    expect((await ambiguous.exited).code).toBe(2);
    expect(ambiguous.stderr()).toMatch(
      /^Error: 8261d0a5 starts the ids of more than one webhook request: 8261d0a5-\S+ \(patient\.admit, failure, [^)]+\); 8261d0a5-\S+ \(patient\.admit, failure, [^)]+\)\. Pass more of the id\.\n$/,
    );
    const dryRun = world.spawn(['retry', '8261d0a5-2', '--dry-run'], env);
    expect((await dryRun.exited).code).toBe(0);
    expect(dryRun.stderr()).toContain(`Would resend webhook request ${ids[1]} as a new request`);

    const none = world.spawn(['retry', 'abcdef12'], env);
    expect((await none.exited).code).toBe(5);
    expect(none.stderr()).toMatch(
      /^Error: No webhook request at the API at .* has an id starting with abcdef12\. List them with `node \S+ requests`; Metriport keeps them 30 days\.\n$/,
    );
    const tooShort = world.spawn(['retry', '826'], env);
    expect((await tooShort.exited).code).toBe(2);
    expect(tooShort.stderr()).toContain('or its first 4 characters or more.');
  });

  it('an unknown id → exit 5 naming it; an API without the endpoints → a plain sentence, exit 5', async () => {
    const world = await worlds.newWorld();
    const emulator = await spawnEmulator(world);
    const unknown = world.spawn(['retry', '0195d9a0-aaaa-7bbb-8ccc-000000000001'], {
      METRIPORT_API_URL: emulator.url,
      METRIPORT_API_KEY: TEST_API_KEY,
    });
    expect((await unknown.exited).code).toBe(5);
    expect(unknown.stderr()).toMatch(
      /^Error: There is no webhook request 0195d9a0-aaaa-7bbb-8ccc-000000000001 at the API at .*\. List them with `node \S+ requests`; Metriport keeps them 30 days\.\n$/,
    );

    // An API that predates the endpoints: Express answers unknown routes with its own 404 page.
    const older = createServer((request, response) => {
      response.writeHead(404, { 'content-type': 'text/html' });
      response.end(`<pre>Cannot ${request.method} ${request.url}</pre>`);
    });
    await new Promise<void>((resolve) => older.listen(0, '127.0.0.1', resolve));
    worlds.onCleanup(() => new Promise((resolve) => older.close(resolve)));
    const olderUrl = `http://127.0.0.1:${(older.address() as AddressInfo).port}`;
    for (const args of [['requests'], ['retry', '0195d9a0-aaaa-7bbb-8ccc-000000000001']]) {
      const run = world.spawn(args, { METRIPORT_API_URL: olderUrl, METRIPORT_API_KEY: TEST_API_KEY });
      expect((await run.exited).code).toBe(5);
      expect(run.stderr()).toMatch(
        /^Error: The API at .* does not offer the (list of webhook requests|retry of one webhook request) yet \(404 to .*\)\. Use `status` and `retry` \(all failed requests\), or the dashboard, until it does\.\n$/,
      );
    }
  });
});
