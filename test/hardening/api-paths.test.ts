import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MwError } from '../../src/errors.js';
import type { HttpRequest } from '../../src/http/send-http.js';
import { apiPath } from '../../src/metriport/api-path.js';
import { createMetriportClient } from '../../src/metriport/client.js';
import { describeTarget } from '../../src/metriport/target.js';
import { TEST_API_KEY, useCliWorlds } from '../helpers/cli-env.js';
import { startTargetApp, type TargetApp } from '../helpers/servers.js';

// Issue #24 item 5: `retry ..` became `POST /settings/webhook/retry` and resent every failed request, while
// `--dry-run` said it would resend one. No id a user types may reach any path but its own.

const worlds = useCliWorlds();

/** Answers like Metriport would, and records the exact request target of everything that reaches it. */
async function recordingApi(): Promise<TargetApp> {
  const app = await startTargetApp((request) => {
    if (request.url.endsWith('/retry') && request.url.startsWith('/settings/webhook/request/'))
      return { status: 200, body: JSON.stringify({ meta: { messageId: randomUUID(), type: 'medical.document-download' }, patients: [] }) };
    if (request.url.startsWith('/settings/webhook/request?'))
      return { status: 200, body: JSON.stringify({ meta: { itemsOnPage: 0 }, requests: [] }) };
    return { status: 200, body: 'OK', headers: { 'content-type': 'text/plain' } };
  });
  worlds.onCleanup(() => app.close());
  return app;
}

const hostile = [
  '..',
  '%2e%2e',
  '../x',
  'a/b',
  '.',
  '%2E%2E',
  '..%2f',
  '../../settings/webhook/retry',
  '0195d9a0-aaaa-7bbb-8ccc-000000000001/..',
];

describe('retry <id> against a recording API', () => {
  it('a dot segment, an encoded one, a slash: a usage error naming the argument, and no request at all (--dry-run too)', async () => {
    const world = await worlds.newWorld();
    const api = await recordingApi();
    const env = { METRIPORT_API_URL: api.url, METRIPORT_API_KEY: TEST_API_KEY };
    const runs = ['..', '%2e%2e', '../x', 'a/b'].flatMap((id) =>
      [[], ['--dry-run'], ['--dry-run', '--json']].map(async (extra) => {
        const run = world.spawn(['retry', id, ...extra], env);
        const { code } = await run.exited;
        return { id, extra, code, stdout: run.stdout(), stderr: run.stderr() };
      }),
    );
    const results = await Promise.all(runs);
    expect(api.requests.map((request) => `${request.method} ${request.url}`)).toEqual([]);
    for (const result of results) {
      expect({ id: result.id, extra: result.extra, code: result.code }).toEqual({ id: result.id, extra: result.extra, code: 2 });
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `Error: The id given to \`retry\` (${JSON.stringify(result.id)}) is not a webhook request id: Metriport's ids are UUIDs, like 0195d9a0-aaaa-7bbb-8ccc-000000000001. Copy one from \`requests\` (its id column, or .id with --json), or its first 4 characters or more.\n`,
      );
    }
  });

  it('a valid UUID reaches exactly /settings/webhook/request/<uuid>/retry, once', async () => {
    const world = await worlds.newWorld();
    const api = await recordingApi();
    const id = randomUUID();
    const run = world.spawn(['retry', id, '--json'], { METRIPORT_API_URL: api.url, METRIPORT_API_KEY: TEST_API_KEY });
    expect((await run.exited).code).toBe(0);
    expect(JSON.parse(run.stdout())).toMatchObject({ id, started: true });
    expect(api.requests.map((request) => `${request.method} ${request.url}`)).toEqual([`POST /settings/webhook/request/${id}/retry`]);
  });

  it('a prefix is looked up in the list, never put in a path: only the whole UUID found is sent', async () => {
    const world = await worlds.newWorld();
    const api = await recordingApi();
    const prefix = 'f3e2d1c0-aa';
    const run = world.spawn(['retry', prefix, '--json'], { METRIPORT_API_URL: api.url, METRIPORT_API_KEY: TEST_API_KEY });
    expect((await run.exited).code).toBe(5);
    expect(run.stderr()).toMatch(/has an id starting with f3e2d1c0-aa\./);
    expect(api.requests.every((request) => request.method === 'GET' && request.url.startsWith('/settings/webhook/request?'))).toBe(true);
    expect(api.requests.length).toBeGreaterThan(0);
  });

  it('the client itself refuses every hostile id before sending, and every path it builds stays its own', async () => {
    const sent: HttpRequest[] = [];
    const client = createMetriportClient({
      target: describeTarget('https://api.sandbox.metriport.com/base'),
      apiKey: 'sk_test_abcdefghijklmnop',
      send: async (request) => {
        sent.push(request);
        // An empty page: what the list answers, and an object, which is what the retry of one answers.
        return { status: 200, headers: {}, body: Buffer.from('{"meta":{"itemsOnPage":0},"requests":[]}'), truncated: false };
      },
    });
    for (const id of hostile) {
      await expect(client.retryWebhookRequest(id)).rejects.toMatchObject({ code: 'BAD_REQUEST_ID', category: 'usage' });
    }
    expect(sent).toEqual([]);
    const id = randomUUID().toUpperCase();
    await client.retryWebhookRequest(id);
    await client.listWebhookRequests({ fromItem: '../../x', count: 5 });
    expect(sent.map((request) => request.url)).toEqual([
      `https://api.sandbox.metriport.com/base/settings/webhook/request/${id}/retry`,
      'https://api.sandbox.metriport.com/base/settings/webhook/request?fromItem=..%2F..%2Fx&count=5',
    ]);
  });

  it('apiPath encodes each segment and refuses empty and dot segments', () => {
    expect(apiPath('settings', 'webhook', 'request', 'a/b?c#d', 'retry')).toBe('settings/webhook/request/a%2Fb%3Fc%23d/retry');
    expect(apiPath('x', '%2e%2e')).toBe('x/%252e%252e');
    for (const segment of ['', '.', '..']) {
      expect(() => apiPath('settings', segment, 'retry')).toThrow(MwError);
    }
  });
});
