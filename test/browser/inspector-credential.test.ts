import { createServer as createHttpServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startInspector } from '../../src/inspector/inspector-server.js';
import { createInspectorStore, type InspectorStore } from '../../src/inspector/inspector-store.js';
import { useChromium } from '../helpers/browser.js';
import { selfSignedCertificate } from './self-signed.js';

// Issue #24 item 4, as filed: the inspector's credential was a cookie, and a browser sends a 127.0.0.1 cookie
// to every port of 127.0.0.1, so any local dev server the user opened received it (and could read the PHI
// with it), and a second inspector's cookie replaced the first one's. Each attack is replayed here in a real
// chromium against real servers on 127.0.0.1 ports: the inspector in-process, and other "local dev servers"
// (plain http and https with a self-signed certificate) that the user visits in the same browser.

const browserOf = useChromium();

interface TestInspector {
  url: string;
  origin: string;
  port: number;
  token: string;
  store: InspectorStore;
  add(patientId: string): void;
}

let captured = 0;
/** An inspector over a few messages that name their patients (the PHI a thief would want). */
async function inspector(patients: string[]): Promise<TestInspector> {
  const store = createInspectorStore();
  const add = (patientId: string) => {
    captured += 1;
    const messageId = `00000000-0000-4000-8000-${String(captured).padStart(12, '0')}`;
    const raw = JSON.stringify({
      meta: { messageId, type: 'patient.admit' },
      payload: { patientId, admitTimestamp: '2026-11-02T13:45:00Z' },
    });
    store.addCapture({
      raw: Buffer.from(raw),
      payload: JSON.parse(raw),
      fileName: `caps/${messageId}.json`,
      at: new Date(Date.UTC(2026, 10, 29, 12, 0, captured)),
      type: 'patient.admit',
      messageId,
    });
  };
  for (const patient of patients) add(patient);
  const running = await startInspector({ port: 0, fallbackToFreePort: false, store });
  onTestFinished(() => running.close());
  const url = new URL(running.url);
  return {
    url: running.url,
    origin: url.origin,
    port: running.port,
    token: new URLSearchParams(url.hash.slice(1)).get('token') ?? '',
    store,
    add,
  };
}

/** Opens the inspector's printed URL and waits until its list shows `rows` requests. */
async function open(context: BrowserContext, target: TestInspector, rows: number): Promise<Page> {
  const page = await context.newPage();
  await page.goto(target.url);
  await expect.poll(() => page.locator('#list li').count()).toBe(rows);
  return page;
}

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
}

/**
 * A developer's local server on another port: it records every request the browser sends it, and its page
 * tries to read the inspector's API from script (with the browser's credentials) and reports what it got.
 */
async function localDevServer(options: {
  https: boolean;
  inspector: string;
}): Promise<{ origin: string; seen: Seen[]; report: Promise<unknown> }> {
  const seen: Seen[] = [];
  let reported: (value: unknown) => void = () => undefined;
  const report = new Promise<unknown>((resolve) => {
    reported = resolve;
  });
  const page = `<!doctype html><html><head><link rel="icon" href="/favicon.ico"><title>my app</title></head><body>
<img src="/logo.png" alt="">
<script>
(async () => {
  const inspector = ${JSON.stringify(options.inspector)};
  const results = {};
  for (const [what, init] of [['cors', { credentials: 'include' }], ['no-cors', { mode: 'no-cors', credentials: 'include' }]]) {
    try {
      const response = await fetch(inspector + '/api/entries', init);
      results[what] = { status: response.status, type: response.type, text: await response.text() };
    } catch (error) {
      results[what] = { error: String(error) };
    }
  }
  await fetch('/report', { method: 'POST', body: JSON.stringify(results) });
})();
</script></body></html>`;
  const handler = (incoming: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => {
    seen.push({ url: incoming.url ?? '', headers: incoming.headers });
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      if (incoming.url === '/report') reported(JSON.parse(Buffer.concat(chunks).toString()));
      if (incoming.url === '/') response.writeHead(200, { 'content-type': 'text/html' }).end(page);
      else response.writeHead(incoming.url === '/report' ? 204 : 404).end();
    });
  };
  const server: Server = options.https ? createHttpsServer(selfSignedCertificate(), handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return { origin: `${options.https ? 'https' : 'http'}://127.0.0.1:${port}`, seen, report };
}

/** What the inspector answers a server-side request carrying these headers (a local server needs no browser to use a credential). */
function askInspector(target: TestInspector, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port: target.port, path: '/api/entries', headers: { host: `127.0.0.1:${target.port}`, ...headers } },
      (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('the inspector credential in a real browser (chromium), with other local servers open', () => {
  it('no other local server (http or https) receives any credential from the browser, and none can read the API', async () => {
    const target = await inspector(['phi-patient-a', 'phi-patient-b', 'phi-patient-c']);
    const context = await browserOf().newContext({ ignoreHTTPSErrors: true });
    onTestFinished(() => context.close());
    await open(context, target, 3);

    for (const https of [false, true]) {
      const dev = await localDevServer({ https, inspector: target.origin });
      const page = await context.newPage();
      // What the inspector answered the requests this page's script made to it, as the network saw it (the
      // page itself only sees a TypeError: no CORS header, and Cross-Origin-Resource-Policy: same-origin).
      const answered: number[] = [];
      const network = await context.newCDPSession(page);
      await network.send('Network.enable');
      const toInspector = new Set<string>();
      network.on('Network.requestWillBeSent', (event: { requestId: string; request: { url: string } }) => {
        if (event.request.url.startsWith(`${target.origin}/`)) toInspector.add(event.requestId);
      });
      network.on('Network.responseReceivedExtraInfo', (event: { requestId: string; statusCode: number }) => {
        if (toInspector.has(event.requestId)) answered.push(event.statusCode);
      });
      await page.goto(`${dev.origin}/`);
      const report = (await dev.report) as Record<string, { status?: number; type?: string; text?: string; error?: string }>;
      await page.close();
      const what = https ? 'the https server' : 'the http server';

      // Every request the browser sent it (the page, its icon and image, the report): no cookie, no
      // Authorization, and the token nowhere in any header.
      expect(dev.seen.map((one) => one.url)).toEqual(expect.arrayContaining(['/', '/logo.png', '/report']));
      for (const { url, headers } of dev.seen) {
        expect(headers.cookie, `${what} ${url}: a cookie`).toBeUndefined();
        expect(headers.authorization, `${what} ${url}: an Authorization header`).toBeUndefined();
        expect(JSON.stringify(headers), `${what} ${url}: the token`).not.toContain(target.token);
      }
      // Its server, replaying whatever the browser sent it, is refused.
      for (const { headers } of dev.seen) {
        const replayed = Object.fromEntries(
          (['cookie', 'authorization'] as const).flatMap((name) => (headers[name] === undefined ? [] : [[name, String(headers[name])]])),
        );
        expect(await askInspector(target, replayed), `${what} replaying its credentials`).toEqual({ status: 403, body: '' });
      }
      // Its page, reading the API from script with the browser's credentials, gets nothing.
      expect(report, `${what}'s page`).toEqual({
        cors: { error: expect.stringMatching(/TypeError/) },
        'no-cors': { error: expect.stringMatching(/TypeError/) },
      });
      expect(answered, `${what}'s page`).toEqual([403, 403]);
    }
  });

  it('two inspectors open in one browser both keep working, live feed and API', async () => {
    const first = await inspector(['first-1', 'first-2']);
    const second = await inspector(['second-1']);
    const context = await browserOf().newContext();
    onTestFinished(() => context.close());
    const pageOne = await open(context, first, 2);
    const pageTwo = await open(context, second, 1);

    // New requests reach each tab live, and each tab reads a request's detail from its own API.
    for (const [page, target, patient, rows] of [
      [pageOne, first, 'first-3', 3],
      [pageTwo, second, 'second-2', 2],
    ] as const) {
      target.add(patient);
      await expect.poll(() => page.locator('#list li').count()).toBe(rows);
      await page.locator('#list li').first().click();
      await expect.poll(() => page.locator('#detail').textContent()).toContain(patient);
    }
    // And again in the first, opened before the second: its credential was not replaced.
    await pageOne.locator('#list li').last().click();
    await expect.poll(() => pageOne.locator('#detail').textContent()).toContain('first-1');
    expect((await context.cookies()).length).toBe(0);
  });

  it('the token leaves the address bar and the history at once, and a reload keeps the page working', async () => {
    const target = await inspector(['history-1']);
    const context = await browserOf().newContext();
    onTestFinished(() => context.close());
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    // A new tab's own entry (about:blank); opening the printed URL adds one, and only one.
    const history = async () =>
      ((await cdp.send('Page.getNavigationHistory')) as { entries: Array<{ url: string; userTypedURL: string }> }).entries;
    const before = await history();
    await page.goto(target.url);
    await expect.poll(() => page.locator('#list li').count()).toBe(1);
    const noToken = async () => {
      expect(page.url()).toBe(`${target.origin}/`);
      expect(await page.evaluate(() => [location.href, history.length, document.referrer])).toEqual([
        `${target.origin}/`,
        before.length + 1,
        '',
      ]);
      const entries = await history();
      expect(entries.slice(before.length).map((entry) => [entry.url, entry.userTypedURL])).toEqual([
        [`${target.origin}/`, `${target.origin}/`],
      ]);
      expect(JSON.stringify(entries)).not.toContain(target.token);
    };
    await noToken();
    await page.reload();
    await expect.poll(() => page.locator('#list li').count()).toBe(1);
    await noToken();
  });
});
