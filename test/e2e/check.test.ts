import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { type CliWorld, useCliWorlds } from '../helpers/cli-env.js';

// `check` against small real apps, each wrong in one way the docs warn about: each gets exactly the verdicts
// it deserves.

const worlds = useCliWorlds();
const KEY = 'whk_check_key_7PqL2mZx9VbN4';

type Handler = (input: { raw: Buffer; headers: IncomingMessage['headers']; seen: Set<string> }) => {
  status: number;
  body?: string;
  delayMs?: number;
  headers?: Record<string, string>;
};

function validSignature(raw: Buffer | string, signature: unknown): boolean {
  if (typeof signature !== 'string') return false;
  const expected = createHmac('sha256', KEY).update(raw).digest('hex');
  return signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

/** The endpoint Metriport's docs describe: raw body, constant-time compare, pong, idempotent by messageId. */
const correct: Handler = ({ raw, headers, seen }) => {
  if (!validSignature(raw, headers['x-metriport-signature'])) return { status: 401 };
  const body = JSON.parse(raw.toString('utf8'));
  if (typeof body.ping === 'string') return { status: 200, body: JSON.stringify({ pong: body.ping }) };
  seen.add(body.meta?.messageId);
  return { status: 200 };
};

async function app(handler: Handler): Promise<string> {
  const seen = new Set<string>();
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = handler({ raw: Buffer.concat(chunks), headers: request.headers, seen });
      const send = () => {
        response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        response.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  worlds.onCleanup(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
}

async function check(world: CliWorld, url: string, only?: string) {
  const run = world.spawn(['check', url, '--webhook-key', KEY, '--json', ...(only === undefined ? [] : ['--only', only])]);
  const { code } = await run.exited;
  const results = run
    .stdout()
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  return { code, results, verdicts: Object.fromEntries(results.map((result) => [result.id, result.ok])) as Record<string, boolean> };
}

describe('check', () => {
  it('a correct endpoint passes every check, exit 0, and the report card says so', async () => {
    const world = await worlds.newWorld();
    const url = await app(correct);
    const { code, verdicts } = await check(world, url);
    expect(verdicts).toEqual({
      ping: true,
      refusals: true,
      'raw-bytes': true,
      types: true,
      idempotency: true,
      size: true,
      speed: true,
      redirects: true,
    });
    expect(code).toBe(0);
    const human = world.spawn(['check', url, '--webhook-key', KEY, '--only', 'ping,raw-bytes']);
    expect((await human.exited).code).toBe(0);
    expect(human.stdout()).toMatch(/^✓ ping {2}answers the ping with 200/m);
    expect(human.stderr()).toMatch(/All 2 checks passed\./);
  });

  it.each<[string, Handler, string, string, RegExp]>([
    ['accepts unsigned requests', () => ({ status: 200 }), 'refusals', 'refusals', /a message with no x-metriport-signature got 200/],
    [
      'verifies a re-serialised body',
      ({ raw, headers }) =>
        validSignature(JSON.stringify(JSON.parse(raw.toString('utf8'))), headers['x-metriport-signature'])
          ? { status: 200, body: JSON.stringify({ pong: JSON.parse(raw.toString()).ping }) }
          : { status: 401 },
      'raw-bytes',
      'raw-bytes',
      /verifies a re-parsed, re-serialised body/,
    ],
    [
      'is slow on one type',
      (input) => ({ ...correct(input), delayMs: JSON.parse(input.raw.toString()).meta?.type === 'medical.consolidated-data' ? 4300 : 0 }),
      'types,speed',
      'speed',
      /slow: medical\.consolidated-data \(\d+ ms\)/,
    ],
    [
      'redirects',
      (input) =>
        JSON.parse(input.raw.toString()).ping
          ? correct(input)
          : { status: 302, headers: { location: 'https://elsewhere.example.com/webhook' } },
      'ping,redirects',
      'redirects',
      /were redirects to https:\/\/elsewhere\.example\.com\/webhook/,
    ],
    [
      'never answers the ping',
      (input) => (JSON.parse(input.raw.toString()).ping ? { status: 200, body: '{}' } : correct(input)),
      'ping',
      'ping',
      /not \{"pong": <the ping value>\}/,
    ],
    [
      'refuses a repeated messageId',
      (input) => {
        const id = JSON.parse(input.raw.toString()).meta?.messageId;
        if (input.seen.has(id)) return { status: 409 };
        return correct(input);
      },
      'idempotency',
      'idempotency',
      /the same message again \(same meta\.messageId\) got 409/,
    ],
  ])('an endpoint that %s fails exactly that check, with the cause, exit 1', async (_name, handler, only, failing, cause) => {
    const world = await worlds.newWorld();
    const { code, results } = await check(world, await app(handler), only);
    expect(code).toBe(1);
    for (const result of results) expect({ id: result.id, ok: result.ok }).toEqual({ id: result.id, ok: result.id !== failing });
    expect(results.find((result) => result.id === failing)?.cause).toMatch(cause);
  });

  it("an Express app written as Metriport's docs show passes; the same app with express.json() before verifying fails raw-bytes, and says why", async () => {
    const world = await worlds.newWorld();
    const listenExpress = async (build: (server: express.Express) => void) => {
      const server = express();
      build(server);
      const http = await new Promise<Server>((resolve) => {
        const started = server.listen(0, '127.0.0.1', () => resolve(started));
      });
      worlds.onCleanup(() => new Promise((resolve) => http.close(resolve)));
      return `http://127.0.0.1:${(http.address() as AddressInfo).port}/webhook`;
    };
    const answer = (payload: { ping?: string }, response: express.Response) =>
      payload.ping ? response.json({ pong: payload.ping }) : response.sendStatus(200);

    const docs = await listenExpress((server) =>
      server.post('/webhook', express.raw({ type: '*/*', limit: '50mb' }), (request, response) => {
        if (!validSignature(request.body as Buffer, request.header('x-metriport-signature'))) return response.sendStatus(401);
        return answer(JSON.parse((request.body as Buffer).toString('utf8')), response);
      }),
    );
    const good = await check(world, docs);
    expect(good.code).toBe(0);
    expect(Object.values(good.verdicts).every(Boolean)).toBe(true);

    const parsedFirst = await listenExpress((server) =>
      server.post('/webhook', express.json({ limit: '50mb' }), (request, response) => {
        if (!validSignature(JSON.stringify(request.body), request.header('x-metriport-signature'))) return response.sendStatus(401);
        return answer(request.body as { ping?: string }, response);
      }),
    );
    const bad = await check(world, parsedFirst, 'ping,refusals,raw-bytes');
    expect(bad.code).toBe(1);
    expect(bad.verdicts).toEqual({ ping: true, refusals: true, 'raw-bytes': false });
    const rawBytes = bad.results.find((result) => result.id === 'raw-bytes');
    expect(rawBytes.cause).toMatch(/verifies a re-parsed, re-serialised body/);
    expect(rawBytes.fix).toMatch(/express\.raw\(/);
  });

  it('usage errors exit 2 with a next step', async () => {
    const world = await worlds.newWorld();
    const notUrl = world.spawn(['check', 'localhost:3000', '--webhook-key', KEY]);
    expect((await notUrl.exited).code).toBe(2);
    const badOnly = world.spawn(['check', 'http://127.0.0.1:9/webhook', '--webhook-key', KEY, '--only', 'pong']);
    expect((await badOnly.exited).code).toBe(2);
    expect(badOnly.stderr()).toMatch(/--only pong is not a check\. Did you mean ping\?/);
  });
});
