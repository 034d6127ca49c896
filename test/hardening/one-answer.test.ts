import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliWorld, useCliWorlds } from '../helpers/cli-env.js';
import { READY } from '../helpers/spawn-cli.js';

// Every exchange ends with exactly one parseable answer, whatever the method, path, body size and framing,
// on connections that a keep-alive client reuses. Before the fix, roughly one run in two had a request whose
// body bytes (sent unframed, as Node's client does for DELETE/GET/OPTIONS) parsed as a second request, and
// the server glued a 400 after its 405/404: "Parse Error: Data after Connection: close".

const MAX_BODY = 2 * 1024 * 1024;
const worlds = useCliWorlds();
let world: CliWorld;
let url: URL;

beforeAll(async () => {
  // A separate process, as users run it: a client in the same event loop would pace the server's reads.
  world = await worlds.newWorld();
  const listen = world.spawn(['listen', '--no-tunnel', '--webhook-key', 'one-answer-key', '--port', '0', '--max-body', '2mb']);
  const [, ready] = await listen.waitFor(READY);
  url = new URL(ready ?? '');
});
afterAll(() => world.killAll());

/** `unframed`: neither header set, as a caller of Node's client leaves it (chunked for POST/PUT/PATCH, none and `Connection: close` for the others). */
type Framing = 'content-length' | 'chunked' | 'unframed';

interface Exchange {
  method: string;
  path: string;
  size: number;
  framing: Framing;
  headers?: Record<string, string>;
}

function exchange(agent: Agent, input: Exchange): Promise<{ status: number } | { error: string }> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { ...input.headers };
    if (input.framing === 'content-length') headers['content-length'] = String(input.size);
    if (input.framing === 'chunked') headers['transfer-encoding'] = 'chunked';
    const outgoing = request({ host: url.hostname, port: url.port, method: input.method, path: input.path, agent, headers }, (incoming) => {
      incoming.resume();
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0 }));
      incoming.on('error', (error) => resolve({ error: error.message }));
    });
    outgoing.on('error', (error) => resolve({ error: error.message }));
    if (input.size > 0) outgoing.write(Buffer.alloc(input.size, 0x78));
    outgoing.end();
  });
}

function expectedStatus(input: Exchange): number {
  if (input.path !== '/webhook') return 404;
  if (input.method !== 'POST') return 405;
  if (input.size > MAX_BODY) return 413;
  return 401;
}

const METHODS = ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
const SIZES = [0, 1, 4096, 1024 * 1024];
const FRAMINGS: Framing[] = ['content-length', 'chunked', 'unframed'];

describe('one answer per request', () => {
  it('every non-POST request, and every POST refused early, gets exactly one well-formed answer on a shared keep-alive agent', async () => {
    const exchanges: Exchange[] = [];
    for (const method of METHODS)
      for (const path of ['/webhook', '/elsewhere'])
        for (const size of SIZES) for (const framing of FRAMINGS) exchanges.push({ method, path, size, framing });
    // POSTs refused early: no auth header, and a body over --max-body.
    for (const size of SIZES) for (const framing of FRAMINGS) exchanges.push({ method: 'POST', path: '/webhook', size, framing });
    for (const framing of FRAMINGS)
      exchanges.push({
        method: 'POST',
        path: '/webhook',
        size: MAX_BODY + 1024,
        framing,
        headers: { 'x-metriport-signature': '0'.repeat(64) },
      });

    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    try {
      const problems: string[] = [];
      for (let round = 0; round < 6; round += 1) {
        const results = await Promise.all(exchanges.map(async (input) => ({ input, result: await exchange(agent, input) })));
        for (const { input, result } of results) {
          const label = `${input.method} ${input.path} ${input.size} B ${input.framing}`;
          if ('error' in result) problems.push(`${label}: ${result.error}`);
          else if (result.status !== expectedStatus(input)) problems.push(`${label}: ${result.status}, expected ${expectedStatus(input)}`);
        }
      }
      expect(problems).toEqual([]);
    } finally {
      agent.destroy();
    }
  });
});
