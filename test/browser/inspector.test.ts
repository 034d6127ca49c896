import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCliWorlds } from '../helpers/cli-env.js';
import { type CliRun, READY } from '../helpers/spawn-cli.js';
import { messageBody, post, signedHeaders } from '../helpers/webhooks.js';

/** Debian's chromium (`.ci/run` installs it); Playwright's own browser downloads cannot work on these machines. */
const CHROMIUM = process.env.MW_CHROMIUM ?? '/usr/bin/chromium';
const INSPECTOR = /Inspector:\s+(http:\/\/127\.0\.0\.1:\d+)\/#token=([\w-]+)/;
/** `listen --emulator` says its hints again once it has sent the last sample. */
const ALL_SAMPLES_SENT = /From another terminal:[\s\S]*From another terminal:/;
const worlds = useCliWorlds();
let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
});
afterAll(async () => {
  await browser?.close();
});

/** A page that records every request it makes, to prove it never leaves its own origin. */
async function openPage(url: string): Promise<{ page: Page; requested: string[] }> {
  const context = await browser.newContext();
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

    // One row per sample, pushed as they arrive: the count is read from the folder once the last one is in.
    await listen.waitFor(ALL_SAMPLES_SENT);
    const captured = (await readdir(join(world.cwd, 'caps'))).filter((name) => name.endsWith('.json'));
    await expect.poll(() => rows(page, 'message').count()).toBe(captured.length);
    expect(await rows(page, 'ping').count()).toBeGreaterThanOrEqual(1);
    // A request whose headers were not kept says so rather than showing an empty table.
    await rows(page, 'ping').first().click();
    await expect.poll(() => page.locator('#headers').textContent()).toBe('Not kept for this request.');

    // A request with a bad signature appears, refused, with the reason.
    const bad = messageBody('patient.admit');
    expect((await post(listenerUrl ?? '', bad, { ...signedHeaders(bad), 'x-metriport-signature': 'f'.repeat(64) })).status).toBe(401);
    await expect.poll(() => rows(page, 'refused').count()).toBe(1);
    expect(await rows(page, 'refused').first().textContent()).toMatch(/refused: .*signature/i);
    await rows(page, 'refused').first().click();
    await expect.poll(() => page.locator('#fields').textContent()).toMatch(/Answered401/);
    expect(await page.locator('#raw').count()).toBe(0);

    // Selecting a message: summary, headers, verdict, the stored file, the tree with its presigned URL as a link.
    await page.fill('#filter', 'patient.admit');
    await expect.poll(() => rows(page).count()).toBe(1);
    await rows(page).first().click();
    await page.locator('#tree').waitFor();
    expect(await page.locator('#headers').textContent()).toMatch(/x-metriport-signature[0-9a-f]{64}/);
    expect(await page.locator('#fields').textContent()).toMatch(/Verdictsignature[\s\S]*Answered200[\s\S]*Stored as.*patient\.admit/);
    expect(await page.locator('#tree').textContent()).toContain('"patientId"');
    expect(await page.locator('#tree a[href^="https://documents.example.org/presigned/"]').count()).toBe(1);

    // Replay: re-signed and delivered to the listener, which reports it as a duplicate (same messageId).
    await page.click('#replay');
    await expect.poll(() => page.locator('#outcome').textContent()).toMatch(/Replayed: the listener answered 200/);
    await listen.waitFor(/duplicate\s+patient\.admit/, 'stderr');
    await page.fill('#filter', '');
    await expect.poll(() => rows(page, 'duplicate').count()).toBe(1);
    await rows(page, 'duplicate').first().click();
    await expect.poll(() => page.locator('#attempts li').count()).toBe(2);

    // Edited replay: a new messageId and a changed field arrive as a new message, stored with the edit.
    await page.click('#edit');
    const original = await page.inputValue('#edited');
    const edited = original
      .replace(/"messageId":\s*"[^"]+"/, '"messageId":"11111111-2222-4333-8444-555555555555"')
      .replace('ext-1001', 'ext-EDITED');
    expect(edited).not.toBe(original);
    await page.fill('#edited', edited);
    await page.click('#send-edited');
    await expect.poll(() => page.locator('#outcome').textContent()).toMatch(/Replayed: the listener answered 200/);
    // Stored before the 200 went out, so it is on disk now.
    const storedName = (await readdir(join(world.cwd, 'caps'))).find((file) => file.includes('11111111-2222-4333-8444-555555555555'));
    expect(storedName).toBeDefined();
    expect(await readFile(join(world.cwd, 'caps', storedName ?? ''), 'utf8')).toBe(edited);
    expect(edited).toContain('ext-EDITED');
    await expect.poll(() => rows(page, 'message').first().textContent()).toContain('patient.admit 11111111');

    // Copy as curl: a fresh signature, never the key.
    await page.click('#curl');
    await expect.poll(() => page.locator('#curl-text').textContent()).toMatch(/x-metriport-signature: [0-9a-f]{64}/);
    // Run as printed, beside the downloaded file it names: the listener verifies it and reports a second
    // duplicate of the message shown (the first came from Replay).
    const curl = (await page.locator('#curl-text').textContent()) ?? '';
    const download = await downloaded(page);
    await writeFile(join(world.cwd, download.name), download.bytes);
    await promisify(execFile)('bash', ['-c', curl], { cwd: world.cwd });
    await listen.waitFor(/duplicate\s+patient\.admit[\s\S]*duplicate\s+patient\.admit/, 'stderr');

    if (process.env.MW_SCREENSHOT !== undefined) {
      await page.fill('#filter', '');
      await rows(page, 'message').first().click();
      await page.setViewportSize({ width: 1400, height: 820 });
      await page.screenshot({ path: process.env.MW_SCREENSHOT });
    }
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
      expect(await page.locator('#list li').count(), address).toBe(0);
      // Its own files only; without a token it does not even ask the API (a stale one is asked, and refused).
      const paths = [...new Set(requested.map((url) => new URL(url).pathname))].sort();
      expect(paths, address).toEqual(
        address.includes('#token=') ? ['/', '/api/entries', '/api/events', '/app.css', '/app.js'] : ['/', '/app.css', '/app.js'],
      );
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
