import { afterEach, describe, expect, it } from 'vitest';
import { resolveListenConfig } from '../../src/config/listen/resolve.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startTestSession, type TestSession } from '../helpers/session.js';
import { messageBody, signedHeaders, TEST_KEY } from '../helpers/webhooks.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function session(): Promise<TestSession> {
  const started = await startTestSession({ maxBodyBytes: 2048 });
  cleanups.push(() => started.session.stop());
  return started;
}

describe('exposure', () => {
  it('binds to loopback unless told otherwise', async () => {
    expect(resolveListenConfig({ tunnel: false, webhookKey: TEST_KEY }, {}, {}).receiver.host).toBe('127.0.0.1');
    const listener = await session();
    expect(new URL(listener.url).hostname).toBe('127.0.0.1');
  });

  it('answers only the webhook path, and no answer names the framework or its version', async () => {
    const listener = await session();
    const good = messageBody();
    const cases = [
      { method: 'POST', path: '/webhook', headers: signedHeaders(good), body: good, status: 200 },
      { method: 'POST', path: '/webhook', headers: signedHeaders('{'), body: Buffer.from('{'), status: 400 },
      { method: 'POST', path: '/webhook', headers: {}, body: good, status: 401 },
      { method: 'GET', path: '/webhook', headers: {}, body: Buffer.alloc(0), status: 405 },
      { method: 'POST', path: '/webhook', headers: signedHeaders(Buffer.alloc(4096, 0x20)), body: Buffer.alloc(4096, 0x20), status: 413 },
      // No credential at all: refused before the body is read, whatever its size.
      { method: 'POST', path: '/webhook', headers: {}, body: Buffer.alloc(4096, 0x20), status: 401 },
      { method: 'GET', path: '/', headers: {}, body: Buffer.alloc(0), status: 404 },
      { method: 'GET', path: '/documentation', headers: {}, body: Buffer.alloc(0), status: 404 },
      { method: 'POST', path: '/settings', headers: {}, body: good, status: 404 },
      { method: 'OPTIONS', path: '/', headers: {}, body: Buffer.alloc(0), status: 404 },
    ];
    for (const request of cases) {
      const answer = await rawRequest({ url: listener.url, ...request });
      expect(answer.status, `${request.method} ${request.path}`).toBe(request.status);
      expect(answer.headers.server).toBeUndefined();
      expect(answer.headers['x-powered-by']).toBeUndefined();
      expect(answer.body).not.toMatch(/fastify|FST_|node|version/i);
      if (request.status === 404 || request.status === 401) expect(answer.body).toBe('');
    }
  });
});
