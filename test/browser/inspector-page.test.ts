import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type ReplayTarget, startInspector } from '../../src/inspector/inspector-server.js';
import { createInspectorStore, type InspectorStore } from '../../src/inspector/inspector-store.js';
import { useChromium } from '../helpers/browser.js';

// The page's own behaviour against an in-process inspector, where the store can be filled at will: what a
// huge payload costs the tab, and the empty states (each says why it is empty).

const browserOf = useChromium();

/** A listener that is never asked: these tests only need the page to think replay is on. */
const IDLE_LISTENER: ReplayTarget = {
  localUrl: 'http://127.0.0.1:9/webhook',
  webhookKey: () => undefined,
  replay: async () => ({ ok: false, status: undefined, responseText: '', durationMs: 0, detail: 'not in this test' }),
};

let captured = 0;
function addCapture(store: InspectorStore, payload: Record<string, unknown>): void {
  captured += 1;
  const messageId = `00000000-0000-4000-8000-${String(captured).padStart(12, '0')}`;
  const raw = JSON.stringify({ meta: { messageId, type: 'patient.admit' }, ...payload });
  store.addCapture({
    raw: Buffer.from(raw),
    payload: JSON.parse(raw),
    fileName: `caps/${messageId}.json`,
    at: new Date(Date.UTC(2026, 10, 29, 12, 0, captured)),
    type: 'patient.admit',
    messageId,
  });
}

async function open(options: {
  listening: boolean;
  fill?: (store: InspectorStore) => void;
}): Promise<{ page: Page; store: InspectorStore }> {
  const store = createInspectorStore();
  options.fill?.(store);
  const running = await startInspector({
    port: 0,
    fallbackToFreePort: false,
    store,
    replay: options.listening ? IDLE_LISTENER : undefined,
  });
  onTestFinished(() => running.close());
  const context = await browserOf().newContext({ viewport: { width: 1280, height: 800 } });
  onTestFinished(() => context.close());
  const page = await context.newPage();
  await page.goto(running.url);
  await page.locator('#live[data-state="live"]').waitFor();
  return { page, store };
}

const rows = (page: Page) => page.locator('#list li');

describe('the inspector page in chromium, against an in-process inspector', () => {
  it('draws a bounded part of a 30 MB string: the tree, the raw text and the row stay small, the rest a click or a download away', async () => {
    const huge = 'x'.repeat(30 * 1024 * 1024);
    const { page } = await open({ listening: false, fill: (store) => addCapture(store, { payload: { patientId: 'p-30mb', note: huge } }) });
    await rows(page).first().click();
    await page.locator('#fields').waitFor();
    await page.click('#tab-payload');
    await page.locator('#tree').waitFor();
    const tree = (await page.locator('#tree').textContent()) ?? '';
    expect(tree).toContain('"p-30mb"');
    expect(tree.length).toBeLessThan(5000);
    // A click shows more of it, still bounded.
    await page.locator('#tree button.more').click();
    await expect.poll(async () => ((await page.locator('#tree').textContent()) ?? '').length).toBeGreaterThan(100_000);
    expect(((await page.locator('#tree').textContent()) ?? '').length).toBeLessThan(110_000);
    expect(await page.locator('#tree').textContent()).toMatch(/Raw or Download for all/);
    await page.click('#tab-raw');
    expect(((await page.locator('#raw').textContent()) ?? '').length).toBe(200_000);
    expect(await page.locator('#panel').textContent()).toMatch(/The first 200,000 of 31,457,[0-9]{3} characters: Download has all of it/);
    // Nothing on the page holds the whole string.
    expect(await page.evaluate(() => document.body.textContent?.length ?? 0)).toBeLessThan(250_000);
  });

  it('says why a list is empty: waiting for the first request, or a filter that matches nothing (and then shows no stale selection)', async () => {
    const { page, store } = await open({ listening: true });
    await expect
      .poll(() => page.locator('#empty').textContent())
      .toMatch(/Waiting for the first request.*metriport-webhook trigger patient\.admit/);
    expect(await page.locator('#detail').textContent()).toMatch(/Nothing to show yet/);

    // A request arrives live: the empty state goes, the detail invites a selection.
    addCapture(store, { payload: { patientId: 'p-1' } });
    addCapture(store, { payload: { patientId: 'p-2' } });
    await expect.poll(() => rows(page).count()).toBe(2);
    expect(await page.locator('#empty').isHidden()).toBe(true);
    await expect.poll(() => page.locator('#detail').textContent()).toMatch(/Select a request/);
    await rows(page).first().click();
    await expect.poll(() => page.locator('#fields').textContent()).toContain('p-2');

    // A filter with no match: says so, offers the way back, and the old selection leaves the right side.
    await page.fill('#filter', 'no-such-patient');
    await expect
      .poll(() => page.locator('#empty').textContent())
      .toMatch(/No request matches “no-such-patient”.*2 requests are held; the text filter hides all of them/);
    expect(await rows(page).count()).toBe(0);
    expect(await page.locator('#fields').count()).toBe(0);
    expect(await page.locator('#detail').textContent()).toMatch(/Select a request/);
    expect(await page.locator('#count').textContent()).toBe('0 of 2');
    await page.click('#clear-filter');
    await expect.poll(() => rows(page).count()).toBe(2);
    expect(await page.inputValue('#filter')).toBe('');
    // "Failures and refusals" with none: its own words.
    await page.selectOption('#kind', 'problems');
    await expect.poll(() => page.locator('#empty').textContent()).toMatch(/No failures and refusals yet.*this view hides all of them/);
  });

  it('capture files with no app: the empty tabs say why, and there is no replay', async () => {
    const { page } = await open({ listening: false, fill: (store) => addCapture(store, { payload: { patientId: 'p-1' } }) });
    expect(await page.locator('#live').textContent()).toBe('Captures');
    await rows(page).first().click();
    await page.locator('#fields').waitFor();
    expect(await page.locator('#replay').count()).toBe(0);
    await page.click('#tab-app');
    expect(await page.locator('#app-response').textContent()).toMatch(/Not recorded in captures.*not what your app answered/);
    await page.click('#tab-deliveries');
    expect(await page.locator('#panel').textContent()).toMatch(/One delivery of this messageId so far/);
  });
});
