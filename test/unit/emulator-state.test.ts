import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/app.js';
import { memoryEmulatorStore } from '../../src/emulator/emulator-store.js';
import { Presigner, URL_LIFETIMES_S } from '../../src/emulator/presign.js';
import { emulatorStateFile } from '../../src/state/emulator-state-file.js';
import { emulatorStatePath } from '../../src/state/paths.js';

// Issue #26 items 1 and 2: a stable local identity, and URLs shaped, timed and refused like S3's.
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const KEY = 'k';

async function start(options: Partial<Parameters<typeof startEmulator>[0]> = {}): Promise<RunningEmulator> {
  const running = await startEmulator({ host: '127.0.0.1', port: 0, apiKey: KEY, allowLocalUrls: true, flowDelayMs: 0, ...options });
  cleanups.push(() => running.close());
  return running;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mw-emulator-state-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('presigned URLs', () => {
  const at = new Date('2026-11-02T15:04:05.000Z');
  const presigner = (now: () => Date = () => at, ttlSeconds?: number) =>
    new Presigner({ secret: 's3cret', origin: () => 'http://127.0.0.1:4748', now, ttlSeconds });

  it('have the parameters of an S3 presigned URL and point at the emulator', () => {
    const url = new URL(presigner().sign({ method: 'GET', bucket: 'b', key: 'cx/pt/cx_pt_MR.json', purpose: 'consolidated' }));
    expect(url.origin + url.pathname).toBe('http://127.0.0.1:4748/s3/b/cx/pt/cx_pt_MR.json');
    expect([...url.searchParams.keys()]).toEqual([
      'X-Amz-Algorithm',
      'X-Amz-Content-Sha256',
      'X-Amz-Credential',
      'X-Amz-Date',
      'X-Amz-Expires',
      'X-Amz-Signature',
      'X-Amz-SignedHeaders',
      'x-id',
    ]);
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20261102T150405Z');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('180');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^ASIA[0-9A-F]{16}\/20261102\/us-east-2\/s3\/aws4_request$/);
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it("last Metriport's lifetimes: 3 minutes for consolidated data, 10 for ADT bundles, bulk URLs and uploads", () => {
    expect(URL_LIFETIMES_S).toMatchObject({
      consolidated: 180,
      adtBundle: 600,
      bulkDocument: 600,
      bulkImportUpload: 600,
      bulkImportResult: 180,
    });
    const expires = (purpose: keyof typeof URL_LIFETIMES_S, signer = presigner()) =>
      new URL(signer.sign({ method: 'GET', bucket: 'b', key: 'k', purpose })).searchParams.get('X-Amz-Expires');
    expect(expires('adtBundle')).toBe('600');
    expect(
      expires(
        'adtBundle',
        presigner(() => at, 2),
      ),
    ).toBe('2');
  });

  it('are valid until the lifetime ends, then refused; any change to them is refused', () => {
    let now = at;
    const signer = presigner(() => now);
    const url = new URL(signer.sign({ method: 'GET', bucket: 'b', key: 'k', purpose: 'consolidated' }));
    const check = (target: URL, method = 'GET') => signer.check({ method, path: target.pathname, query: target.searchParams });
    expect(check(url)).toEqual({ ok: true, bucket: 'b', key: 'k' });
    now = new Date(at.getTime() + 180_000);
    expect(check(url).ok).toBe(true);
    now = new Date(at.getTime() + 181_000);
    expect(check(url)).toMatchObject({ ok: false, code: 'AccessDenied', message: 'Request has expired' });
    now = at;
    const longer = new URL(url);
    longer.searchParams.set('X-Amz-Expires', '604800');
    expect(check(longer)).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
    expect(check(new URL(url.href.replace('/s3/b/k', '/s3/b/other')))).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(check(url, 'PUT')).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(check(new URL('http://127.0.0.1:4748/s3/b/k'))).toMatchObject({ code: 'AccessDenied', message: 'Access Denied' });
  });
});

describe('files served like S3', () => {
  it('serves a file with S3 headers, then answers 403 with S3 XML once expired or tampered', async () => {
    const emulator = await start();
    const [, url] = /"url":"([^"]+MR\.json\?[^"]+)"/.exec(JSON.stringify(await consolidatedMessage(emulator))) ?? [];
    const ok = await fetch(url ?? '');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/json');
    expect(ok.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    expect(ok.headers.get('x-amz-request-id')).toMatch(/^[0-9A-F]{16}$/);
    expect(((await ok.json()) as { resourceType: string }).resourceType).toBe('Bundle');

    const tampered = await fetch((url ?? '').replace(/X-Amz-Signature=[0-9a-f]/, 'X-Amz-Signature=0'));
    expect(tampered.status).toBe(403);
    expect(tampered.headers.get('content-type')).toBe('application/xml');
    expect(await tampered.text()).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>SignatureDoesNotMatch<\/Code><Message>The request signature we calculated does not match the signature you provided\. Check your key and signing method\.<\/Message>.*<RequestId>[0-9A-F]{16}<\/RequestId><HostId>[^<]+<\/HostId><\/Error>$/,
    );

    emulator.advanceClock(181_000);
    const expired = await fetch(url ?? '');
    expect(expired.status).toBe(403);
    expect(await expired.text()).toMatch(
      /<Code>AccessDenied<\/Code><Message>Request has expired<\/Message><X-Amz-Expires>180<\/X-Amz-Expires><Expires>[^<]+<\/Expires><ServerTime>[^<]+<\/ServerTime>/,
    );
  });

  it('with urlTtlMs, every URL lives that long (whole seconds)', async () => {
    const emulator = await start({ urlTtlMs: 1500 });
    const message = JSON.stringify(await consolidatedMessage(emulator));
    expect(message).toContain('X-Amz-Expires=2');
  });
});

/** Creates a patient and plays a consolidated query; answers the message the app would have received. */
async function consolidatedMessage(emulator: RunningEmulator): Promise<unknown> {
  const result = await emulator.playFlow({ flow: 'consolidated' });
  const row = emulator.account.history().find((request) => request.id === result.messages[0]?.messageId);
  return row?.payload;
}

describe('a stable identity: the account in a store', () => {
  it('keeps the webhook key, settings, history and patients across restarts, in a 0600 file in a 0700 folder', async () => {
    const dir = join(await tempDir(), 'state');
    const path = emulatorStatePath(dir, 'test-api-key');
    const store = () => emulatorStateFile(path, { uid: process.getuid?.() });
    const first = await start({ store: store() });
    const { settings } = first.account.updateWebhookUrl('http://127.0.0.1:9/hook');
    const played = await first.playFlow({ flow: 'consolidated' });
    await first.close();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);

    const second = await start({ store: store() });
    expect(second.account.getSettings()).toEqual(settings);
    expect(second.account.cxId).toBe(settings.id);
    expect(second.account.history().map((request) => request.id)).toEqual(played.messages.map((message) => message.messageId));
    expect(second.medical.getPatient(played.patientId ?? '').id).toBe(played.patientId);
    // A URL minted before the restart is still served (same secret, same files).
    const url = /"url":"([^"]+)"/.exec(JSON.stringify(second.account.history()[0]?.payload))?.[1] ?? '';
    expect((await fetch(url.replace(/^http:\/\/[^/]+/, second.url))).status).toBe(200);
  });

  it('a pinned key replaces the saved one; reset starts a new account and empties the store', async () => {
    const store = memoryEmulatorStore();
    const first = await start({ store });
    first.account.updateWebhookUrl('http://127.0.0.1:9/hook');
    await first.close();
    const pinned = await start({ store, webhookKey: 'pinned-key-0123456789' });
    expect(pinned.account.getSettings().webhookKey).toBe('pinned-key-0123456789');
    await pinned.close();

    const fresh = await start({ store, reset: true });
    expect(fresh.account.hasSettings()).toBe(false);
    await fresh.idle();
    const saved = (await store.load()) as { account: { settings: unknown } };
    expect(saved.account.settings).toBeNull();

    const pinnedFirst = await start({ webhookKey: 'pinned-key-0123456789' });
    expect(pinnedFirst.account.updateWebhookUrl('http://127.0.0.1:9/hook').settings.webhookKey).toBe('pinned-key-0123456789');
  });

  it('refuses a state folder or file others can write to, as the registration records are refused', async () => {
    const dir = await tempDir();
    const path = emulatorStatePath(dir, 'test-api-key');
    await writeFile(path, '{}', { mode: 0o600 });
    await chmod(dir, 0o777);
    const store = emulatorStateFile(path, { uid: process.getuid?.() });
    await expect(store.load()).rejects.toMatchObject({ code: 'STATE_FOLDER_UNTRUSTED' });
    await chmod(dir, 0o700);
    await chmod(path, 0o666);
    await expect(store.load()).rejects.toMatchObject({
      code: 'STATE_FILE_UNTRUSTED',
      message: expect.stringContaining("The emulator's state file"),
    });
  });

  it('moves a damaged state file aside and starts afresh', async () => {
    const dir = await tempDir();
    const path = emulatorStatePath(dir, 'test-api-key');
    await writeFile(path, '{"cut short', { mode: 0o600 });
    const damaged: string[] = [];
    const store = emulatorStateFile(path, { uid: undefined, onDamaged: (problem) => damaged.push(problem.keptAs) });
    const emulator = await start({ store });
    expect(emulator.account.hasSettings()).toBe(false);
    expect(await readFile(damaged[0] ?? '', 'utf8')).toBe('{"cut short');
  });
});
