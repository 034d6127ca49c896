import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ALL_SAMPLES_SENT, INSPECTOR, useChromium } from '../helpers/browser.js';
import { useCliWorlds } from '../helpers/cli-env.js';
import { type CliRun, READY } from '../helpers/spawn-cli.js';
import { messageBody, post, signedHeaders } from '../helpers/webhooks.js';

const worlds = useCliWorlds();
const browserOf = useChromium();

/** A page that records every request it makes, to prove it never leaves its own origin. */
async function openPage(url: string): Promise<{ page: Page; requested: string[] }> {
  const context = await browserOf().newContext();
  const page = await context.newPage();
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  await page.goto(url);
  return { page, requested };
}

/** A raw request with headers a browser would never let a page set (a foreign Host). */
function rawGet(origin: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${origin}${path}`, { headers }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function inspectorOf(run: CliRun): Promise<{ origin: string; token: string }> {
  const [, origin = '', token = ''] = await run.waitFor(INSPECTOR);
  return { origin, token };
}

/** Clicks Download and reads what the browser saved: the name it offered and the bytes. */
async function downloaded(page: Page): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return { name: download.suggestedFilename(), bytes: Buffer.concat(chunks) };
}

/** Neither the page nor a pane scrolls sideways. */
async function noSidewaysScroll(page: Page, what: string): Promise<void> {
  const widths = await page.evaluate(() =>
    ['html', '#app', '#requests', '#detail', '#list'].map((selector) => {
      const found = document.querySelector(selector);
      return found === null || ((found as HTMLElement).offsetParent === null && selector !== 'html')
        ? [selector, 0, 0]
        : [selector, found.scrollWidth, found.clientWidth];
    }),
  );
  for (const [selector, scrollWidth, clientWidth] of widths)
    expect(scrollWidth, `${what}: ${selector}`).toBeLessThanOrEqual(clientWidth as number);
}

const rows = (page: Page, kind?: string) => page.locator(kind === undefined ? '#list li' : `#list li[data-kind="${kind}"]`);

describe('the inspector, in a real browser (chromium)', () => {
  it('shows every delivery live, its headers, verdict and tree; replays (plain and edited) go through the listener; refusals say why', async () => {
    const world = await worlds.newWorld();
    const listen = world.spawn(['listen', '--emulator', '--port', '0', '--inspect-port', '0', '--out', 'caps', '--no-preview']);
    const { origin, token } = await inspectorOf(listen);
    const [, listenerUrl] = await listen.waitFor(READY);
    const { page, requested } = await openPage(`${origin}/#token=${token}`);
    // The address bar loses the token at once (the page keeps it).
    expect(page.url()).toBe(`${origin}/`);
    const replays: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/replay')) replays.push(request.postData() ?? '');
    });

    // One row per sample, pushed as they arrive: the count is read from the folder once the last one is in.
    await listen.waitFor(ALL_SAMPLES_SENT);
    const captured = (await readdir(join(world.cwd, 'caps'))).filter((name) => name.endsWith('.json'));
    await expect.poll(() => rows(page, 'message').count()).toBe(captured.length);
    expect(await rows(page, 'ping').count()).toBeGreaterThanOrEqual(1);
    // A request whose headers were not kept says so rather than showing an empty table.
    await rows(page, 'ping').first().click();
    await page.click('#tab-headers');
    await expect.poll(() => page.locator('#headers').textContent()).toBe('Not kept for this request.');

    // A request with a bad signature appears, refused, with the reason on its row and in its detail.
    const bad = messageBody('patient.admit');
    expect((await post(listenerUrl ?? '', bad, { ...signedHeaders(bad), 'x-metriport-signature': 'f'.repeat(64) })).status).toBe(401);
    await expect.poll(() => rows(page, 'refused').count()).toBe(1);
    expect(await rows(page, 'refused').first().getAttribute('title')).toMatch(/signature/i);
    await rows(page, 'refused').first().click();
    await page.click('#tab-summary');
    await expect.poll(() => page.locator('#fields').textContent()).toMatch(/Verdictrefused: .*signature[\s\S]*Answered401/);
    await page.click('#tab-raw');
    await expect.poll(() => page.locator('#panel').textContent()).toMatch(/never its body/);
    expect(await page.locator('#raw').count()).toBe(0);

    // Selecting a message: summary, headers, verdict, the stored file, the tree with its presigned URL.
    await page.fill('#filter', 'patient.admit');
    await expect.poll(() => rows(page).count()).toBe(1);
    await rows(page).first().click();
    await page.click('#tab-summary');
    await expect
      .poll(() => page.locator('#fields').textContent())
      .toMatch(/Verdictsignature[\s\S]*Answered200[\s\S]*Stored as.*patient\.admit/);
    await page.click('#tab-headers');
    expect(await page.locator('#headers').textContent()).toMatch(/x-metriport-signature[0-9a-f]{64}/);
    await page.click('#tab-payload');
    expect(await page.locator('#tree').textContent()).toContain('"patientId"');
    // The tour's URLs point at the emulator's own files (http on loopback); the page links https URLs only.
    expect(await page.locator('#tree').textContent()).toMatch(/"http:\/\/127\.0\.0\.1:\d+\/s3\/[^"]+X-Amz-Algorithm=AWS4-HMAC-SHA256/);
    const shownId = (await page.locator('.ident').textContent()) ?? '';

    // Replay: re-signed and delivered to the listener, which reports it as a duplicate (same messageId); the
    // page reads the list again at once, so the detail counts two deliveries.
    await page.click('#replay');
    await expect.poll(() => page.locator('#outcome').textContent()).toMatch(/Replayed: the listener answered 200/);
    await listen.waitFor(/duplicate\s+patient\.admit/, 'stderr');
    await page.fill('#filter', '');
    await expect.poll(() => rows(page, 'duplicate').count()).toBe(1);
    await rows(page, 'duplicate').first().click();
    await page.click('#tab-deliveries');
    await expect.poll(() => page.locator('#attempts li').count()).toBe(2);

    // Edit and replay: pretty-printed JSON, with a new messageId offered so it is not dropped as a duplicate.
    await page.click('#edit');
    const opened = await page.inputValue('#edited');
    expect(opened).toContain('\n  "meta": {\n');
    const offeredId = (JSON.parse(opened) as { meta: { messageId: string } }).meta.messageId;
    expect(offeredId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(offeredId).not.toBe(shownId);
    expect(await page.locator('#edit-status').textContent()).toMatch(/^Valid JSON\. A new messageId/);
    // Invalid JSON is refused in the page: the button is off, and neither a click nor Ctrl+Enter sends it.
    await page.fill('#edited', opened.slice(0, -2));
    await expect.poll(() => page.locator('#edit-status').textContent()).toMatch(/^Invalid JSON, not sent: /);
    expect(await page.locator('#send-edited').isDisabled()).toBe(true);
    expect(await page.locator('#edited').getAttribute('aria-invalid')).toBe('true');
    await page.click('#send-edited', { force: true });
    await page.locator('#edited').press('Control+Enter');
    // Had either sent, the line would say "Sending…" (set as the send starts, in the same event).
    expect(await page.locator('#outcome').textContent()).toBe('');
    // The original messageId is one click away, and a new one another.
    await page.fill('#edited', opened);
    await page.click('#original-id');
    expect((JSON.parse(await page.inputValue('#edited')) as { meta: { messageId: string } }).meta.messageId).toBe(shownId);
    expect(await page.locator('#edit-status').textContent()).toMatch(/duplicate/);
    await page.click('#new-id');
    const edited = (await page.inputValue('#edited')).replace('ext-1001', 'ext-EDITED');
    const newId = (JSON.parse(edited) as { meta: { messageId: string } }).meta.messageId;
    expect(newId).not.toBe(shownId);
    expect(edited).toContain('ext-EDITED');
    await page.fill('#edited', edited);
    await page.click('#send-edited');
    await expect.poll(() => page.locator('#outcome').textContent()).toMatch(/Replayed: the listener answered 200/);
    // Stored before the 200 went out, so it is on disk now, exactly as sent.
    const storedName = (await readdir(join(world.cwd, 'caps'))).find((file) => file.includes(newId));
    expect(storedName).toBeDefined();
    expect(await readFile(join(world.cwd, 'caps', storedName ?? ''), 'utf8')).toBe(edited);
    // And at the top of the list, selected, without waiting for anything else.
    await expect.poll(() => rows(page).first().locator('.mid').textContent()).toBe(newId.slice(0, 8));
    expect(await rows(page).first().getAttribute('data-kind')).toBe('message');
    expect(await rows(page).first().getAttribute('class')).toMatch(/selected/);
    await expect.poll(() => page.locator('.ident').textContent()).toBe(newId);
    // Two sends in all: the plain replay and the valid edit; the invalid attempts never left the page.
    expect(replays).toHaveLength(2);
    expect(replays[1]).toBe(JSON.stringify({ body: edited }));

    // Copy as curl: a fresh signature, never the key.
    await page.click('#curl');
    await expect.poll(() => page.locator('#curl-text').textContent()).toMatch(/x-metriport-signature: [0-9a-f]{64}/);
    // Run as printed, beside the downloaded file it names: the listener verifies it and reports it as a
    // duplicate of the message shown (the edited one, just stored).
    const curl = (await page.locator('#curl-text').textContent()) ?? '';
    const download = await downloaded(page);
    expect(download.bytes.toString()).toBe(edited);
    await writeFile(join(world.cwd, download.name), download.bytes);
    await promisify(execFile)('bash', ['-c', curl], { cwd: world.cwd });
    await listen.waitFor(new RegExp(`duplicate\\s+patient\\.admit\\s+${newId}`), 'stderr');

    expect(requested.length).toBeGreaterThan(3);
    expect(requested.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
    listen.child.kill('SIGINT');
    expect((await listen.exited).code).toBe(0);
  });

  it('without its token the page says how to get in and shows nothing else; the API answers 403, and a foreign Host or Origin gets nothing at all', async () => {
    const world = await worlds.newWorld();
    const listen = world.spawn(['listen', '--emulator', '--port', '0', '--inspect-port', '0', '--no-preview']);
    const { origin, token } = await inspectorOf(listen);
    const api = ['/api/entries', '/api/entries/1', '/api/entries/1/raw', '/api/entries/1/curl', '/api/events'];

    // As a person who types the address (as they would ngrok's :4040), by either name, or has a stale link.
    for (const address of [`${origin}/`, `${origin.replace('127.0.0.1', 'localhost')}/`, `${origin}/#token=wrong-${token}`]) {
      const { page, requested } = await openPage(address);
      await page.locator('#locked').waitFor();
      // How to get in, and nothing of the session (no count, no type, no id).
      const text = (await page.locator('body').textContent()) ?? '';
      expect(text).toMatch(/This inspector needs its link/);
      expect(text).toMatch(/metriport-webhook listen[\s\S]*Run the command again[\s\S]*metriport-webhook inspect <captures>/);
      expect(text).not.toMatch(/request|patient|medical|ping/i);
      expect(await page.locator('#list li').count(), address).toBe(0);
      // Its own files only; without a token it does not even ask the API (a stale one is asked, and refused).
      const paths = [...new Set(requested.map((url) => new URL(url).pathname))].sort();
      const own = ['/', '/app.css', '/app.js', '/favicon.svg'];
      expect(paths, address).toEqual(address.includes('#token=') ? [...own, '/api/events'].sort() : own);
      await page.context().close();
    }

    const host = new URL(origin).host;
    for (const path of api) {
      expect(await rawGet(origin, path, {}), `${path} without a token`).toEqual({ status: 403, body: '' });
      expect(await rawGet(origin, path, { cookie: `mw_inspector=${token}` }), `${path} with the token as a cookie`).toEqual({
        status: 403,
        body: '',
      });
    }
    for (const path of ['/', '/app.js', '/app.css', ...api]) {
      const withToken = { authorization: `Bearer ${token}` };
      const foreignHost = await rawGet(origin, path, { ...withToken, host: `rebound.example:${new URL(origin).port}` });
      expect(foreignHost, `${path} with a foreign Host`).toEqual({ status: 403, body: '' });
      const foreignOrigin = await rawGet(origin, path, { ...withToken, host, origin: 'http://evil.example' });
      expect(foreignOrigin, `${path} with a foreign Origin`).toEqual({ status: 403, body: '' });
    }
    const post = await fetch(`${origin}/api/entries/1/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, origin: 'http://evil.example', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(post.status).toBe(403);
    // The right token, the right Host: the API opens, with the headers that keep the page to itself.
    const ok = await rawGet(origin, '/api/entries', { host, authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    const headers = await fetch(`${origin}/app.js`);
    expect(headers.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'/);
    expect(headers.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('fits 360, 768 and 1280 px: one-line rows, no sideways scroll, failures marked failed, the app’s answer in its tab', async () => {
    // A session with everything a row can be: the emulator's samples, a failed one, a refusal, and an app
    // behind --forward-to that answers each message.
    const app = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true,"queued":"job-4821"}'));
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => app.close(() => resolve())));
    const world = await worlds.newWorld();
    const forwardTo = `http://127.0.0.1:${(app.address() as AddressInfo).port}/webhook`;
    const listen = world.spawn(['listen', '--emulator', '--port', '0', '--inspect-port', '0', '--no-preview', '--forward-to', forwardTo]);
    const { origin, token } = await inspectorOf(listen);
    const [, listenerUrl = ''] = await listen.waitFor(READY);
    await listen.waitFor(ALL_SAMPLES_SENT);
    const [, emulatorUrl = '', apiKey = ''] = [...listen.stderr().matchAll(/Emulator API: (\S+) \(API key: ([^)]+)\)/g)].at(-1) ?? [];
    const trigger = world.spawn([
      'trigger',
      'medical.consolidated-data',
      '--failed',
      '--to',
      listenerUrl,
      '--api-url',
      emulatorUrl,
      '--api-key',
      apiKey,
    ]);
    expect((await trigger.exited).code).toBe(0);
    const bad = messageBody('patient.admit');
    expect((await post(listenerUrl, bad, { ...signedHeaders(bad), 'x-metriport-signature': 'f'.repeat(64) })).status).toBe(401);
    const total = (await (await fetch(`${origin}/api/entries`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      entries: unknown[];
    };

    for (const width of [360, 768, 1280]) {
      const context = await browserOf().newContext({ viewport: { width, height: width === 1280 ? 800 : width === 768 ? 1000 : 760 } });
      onTestFinished(() => context.close());
      const page = await context.newPage();
      await page.goto(`${origin}/#token=${token}`);
      await expect.poll(() => rows(page).count()).toBe(total.entries.length);

      // Every row one line, all the same height; nothing scrolls sideways.
      const heights = await rows(page).evaluateAll((items) => items.map((item) => item.getBoundingClientRect().height));
      expect(new Set(heights).size, `${width} px: row heights`).toBe(1);
      expect(heights[0], `${width} px: a row`).toBeLessThan(40);
      await noSidewaysScroll(page, `${width} px, the list`);
      // A failed consolidated-data is marked failed, not 200; the refusal shows its status.
      const failed = page.locator('#list li[data-failed]');
      expect(await failed.count()).toBe(1);
      expect(await failed.locator('.outcome').textContent()).toBe('failed');
      expect(await rows(page, 'refused').locator('.outcome').textContent()).toBe('401');
      if (process.env.MW_SCREENSHOTS !== undefined && width === 360)
        await page.screenshot({ path: join(process.env.MW_SCREENSHOTS, `inspector-${width}.png`) });

      await failed.click();
      await page.locator('#fields').waitFor();
      expect(await page.locator('#panel .callout').textContent()).toMatch(/reports a failure/);
      // The title stays a line or two whatever the width (it used to wrap two letters a line).
      const title = await page.locator('.head h2').boundingBox();
      expect(title?.height, `${width} px: the title`).toBeLessThan(60);
      for (const tab of ['summary', 'payload', 'headers', 'raw', 'app', 'deliveries']) {
        await page.click(`#tab-${tab}`);
        await page.locator(`#tab-${tab}[aria-selected="true"]`).waitFor();
        await noSidewaysScroll(page, `${width} px, the ${tab} tab`);
        if (tab === 'app') {
          expect(await page.locator('#app-response .status-line').textContent()).toMatch(/^200 in \d+ ms$/);
          expect(await page.locator('#app-body').textContent()).toBe('{\n  "received": true,\n  "queued": "job-4821"\n}');
          expect(await page.locator('#app-response .url').textContent()).toBe(forwardTo);
        }
        if (process.env.MW_SCREENSHOTS !== undefined && ((width === 768 && tab === 'summary') || (width === 1280 && tab === 'payload')))
          await page.screenshot({ path: join(process.env.MW_SCREENSHOTS, `inspector-${width}.png`) });
      }
      // Below 900 px one pane at a time: the list comes back.
      if (width < 900) {
        await page.click('#back');
        await rows(page).first().waitFor();
      }
      if (process.env.MW_SCREENSHOTS !== undefined && width === 1280) {
        await page.setViewportSize({ width: 1400, height: 820 });
        await page.click('#tab-summary');
        await page.screenshot({ path: join(process.env.MW_SCREENSHOTS, 'inspector.png') });
      }
    }
    listen.child.kill('SIGINT');
    expect((await listen.exited).code).toBe(0);
  });

  it('inspect <dir> shows a capture folder, with the exact bytes to download and no replay', async () => {
    const world = await worlds.newWorld();
    const listen = world.spawn(['listen', '--emulator', '--port', '0', '--no-inspect', '--out', 'caps', '--no-preview']);
    await listen.waitFor(ALL_SAMPLES_SENT);
    expect(listen.stderr()).not.toMatch(/Inspector:/);
    listen.child.kill('SIGINT');
    await listen.exited;
    const files = (await readdir(join(world.cwd, 'caps'))).filter((name) => name.endsWith('.json')).sort();

    const inspect = world.spawn(['inspect', 'caps', '--port', '0']);
    const { origin, token } = await inspectorOf(inspect);
    expect(inspect.stderr()).toContain(`Loaded ${files.length} captured message(s).`);
    const { page, requested } = await openPage(`${origin}/#token=${token}`);
    await expect.poll(() => rows(page, 'message').count()).toBe(files.length);
    // Newest first: the first row is the last file.
    const last = files.at(-1) ?? '';
    await rows(page).first().click();
    await page.locator('#download').waitFor();
    expect(await page.locator('#fields').textContent()).toContain(last);
    expect(await page.locator('#replay').count()).toBe(0);
    const download = await downloaded(page);
    expect(download.bytes.equals(await readFile(join(world.cwd, 'caps', last)))).toBe(true);
    expect(requested.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
    inspect.child.kill('SIGINT');
    expect((await inspect.exited).code).toBe(0);
  });
});
