import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ALL_SAMPLES_SENT, INSPECTOR, useChromium } from '../helpers/browser.js';
import { type CliWorld, useCliWorlds } from '../helpers/cli-env.js';
import { type CliRun, READY } from '../helpers/spawn-cli.js';

// Issue #26 item 5: the inspector shows flows. Whole flows played by `listen --emulator`'s emulator
// (`trigger --flow`), read in Debian's chromium: the Flow tab, the list's marks and its grouping.

const worlds = useCliWorlds();
const browserOf = useChromium();

interface Played {
  requestId: string;
  messages: Array<{ type: string; messageId: string; requestId: string | undefined }>;
}

/** `listen --emulator` with its inspector, once its tour of samples is over; and a way to play flows against it. */
async function listenWithEmulator(
  world: CliWorld,
): Promise<{ listen: CliRun; page: Page; play(flow: string, faults: string): Promise<Played> }> {
  const listen = world.spawn(['listen', '--emulator', '--port', '0', '--inspect-port', '0', '--no-preview']);
  const [, origin = '', token = ''] = await listen.waitFor(INSPECTOR);
  await listen.waitFor(READY);
  await listen.waitFor(ALL_SAMPLES_SENT);
  const [, apiUrl = ''] = [...listen.stderr().matchAll(/Emulator API: (\S+) \(API key/g)].at(-1) ?? [];
  const context = await browserOf().newContext({ viewport: { width: 1280, height: 800 } });
  onTestFinished(() => context.close());
  const page = await context.newPage();
  await page.goto(`${origin}/#token=${token}`);
  await page.locator('#live[data-state="live"]').waitFor();
  return {
    listen,
    page,
    async play(flow, faults) {
      const trigger = world.spawn([
        'trigger',
        '--flow',
        flow,
        '--faults',
        faults,
        '--json',
        '--api-url',
        apiUrl,
        '--api-key',
        'local-emulator',
      ]);
      expect((await trigger.exited).code).toBe(0);
      return JSON.parse(trigger.stdout()) as Played;
    },
  };
}

const flowRows = (page: Page, requestId: string) => page.locator(`#list li[data-id][data-flow="${requestId}"]`);
/** A row by its messageId (the list shows its first 8 characters). */
const rowOf = (page: Page, messageId: string) =>
  page.locator('#list li[data-id]', { has: page.locator(`.mid:text-is("${messageId.slice(0, 8)}")`) });
/** "+850 ms", "+2.441 s", "+3 min 5 s" as milliseconds: only their order is compared, never their size. */
function offsetMs(text: string): number {
  const match = /^\+(?:(\d+) h )?(?:(\d+) min )?(?:([\d.]+) (ms|s))?$/.exec(text.trim());
  if (match === null) throw new Error(`not an offset: ${text}`);
  const [, hours = '0', minutes = '0', amount = '0', unit = 's'] = match;
  return (Number(hours) * 60 + Number(minutes)) * 60_000 + Number(amount) * (unit === 'ms' ? 1 : 1000);
}

describe('flows in the inspector, in a real browser (chromium)', () => {
  it('shows a document query played out of order: the call, then both messages in arrival order with their timing, in the Flow tab and grouped in the list', async () => {
    const world = await worlds.newWorld();
    const { listen, page, play } = await listenWithEmulator(world);
    const played = await play('document-query', 'out-of-order');
    const [conversion, download] = played.messages;
    expect([conversion?.type, download?.type]).toEqual(['medical.document-conversion', 'medical.document-download']);

    // Both rows carry the flow's mark: two messages, nothing missing.
    await expect.poll(() => flowRows(page, played.requestId).count()).toBe(2);
    expect(
      await flowRows(page, played.requestId)
        .locator('.flow')
        .evaluateAll((marks) => marks.map((mark) => mark.getAttribute('data-tone'))),
    ).toEqual(['complete', 'complete']);

    // The Flow tab of the download: the document query call first, then the conversion (it arrived first), then the download.
    await rowOf(page, download?.messageId ?? '').click();
    await page.click('#tab-flow');
    await page.locator('#flow-steps').waitFor();
    expect(await page.locator('#flow .pill').textContent()).toBe('complete');
    expect(await page.locator('#flow .flow-title strong').textContent()).toBe('Document query');
    expect(await page.locator('#flow .flow-ids').textContent()).toBe(`requestId ${played.requestId}`);
    expect(await page.locator('#tab-flow').textContent()).toBe('Flow 2');
    const call = page.locator('#flow-steps li.call');
    expect(await call.locator('.call-text').textContent()).toBe('POST /medical/v1/document/query');
    expect(offsetMs((await call.locator('.offset').textContent()) ?? '')).toBe(0);
    const steps = page.locator('#flow-steps li.message');
    expect(await steps.locator('.badge').allTextContents()).toEqual([
      expect.stringMatching(/document-conversion$/),
      expect.stringMatching(/document-download$/),
    ]);
    expect(await steps.locator('.mid').allTextContents()).toEqual([conversion?.messageId.slice(0, 8), download?.messageId.slice(0, 8)]);
    const offsets = (await steps.locator('.offset').allTextContents()).map(offsetMs);
    expect(offsets[0]).toBeLessThanOrEqual(offsets[1] as number);
    expect(await steps.nth(1).getAttribute('aria-current')).toBe('true');
    expect(await page.locator('#flow-steps li.missing').count()).toBe(0);

    // Each message is a click away, and the Flow tab stays open on it.
    await steps.first().click();
    await expect.poll(() => page.locator('.ident').textContent()).toBe(conversion?.messageId);
    await expect.poll(() => page.locator('#flow-steps li.message').first().getAttribute('aria-current')).toBe('true');

    // Grouped: the flow's own line, then its messages in arrival order, each timed from the call; every row one line.
    await page.click('#group');
    const head = page.locator(`#list li.flow-head[data-flow="${played.requestId}"]`);
    await head.waitFor();
    expect(await head.locator('.flow-label').textContent()).toBe('Document query');
    expect(await head.locator('.outcome').textContent()).toBe('done');
    const grouped = await page.locator('#list li').evaluateAll((items) =>
      items.map((item) => ({
        flow: item.getAttribute('data-flow'),
        head: item.classList.contains('flow-head'),
        mid: item.querySelector('.mid')?.textContent,
        time: item.querySelector('.time')?.textContent,
        height: item.getBoundingClientRect().height,
      })),
    );
    const at = grouped.findIndex((item) => item.head && item.flow === played.requestId);
    expect(grouped.slice(at + 1, at + 3).map((item) => item.mid)).toEqual([
      conversion?.messageId.slice(0, 8),
      download?.messageId.slice(0, 8),
    ]);
    expect(grouped.slice(at + 1, at + 3).every((item) => /^\+/.test(item.time ?? ''))).toBe(true);
    expect(new Set(grouped.map((item) => item.height)).size).toBe(1);
    if (process.env.MW_SCREENSHOTS !== undefined) {
      await rowOf(page, download?.messageId ?? '').click();
      await page.locator('#flow-steps li.message[aria-current="true"]').waitFor();
      await page.setViewportSize({ width: 1400, height: 820 });
      await page.screenshot({ path: join(process.env.MW_SCREENSHOTS, 'inspector-flow.png') });
    }
    // A click on the flow's line opens its Flow tab.
    await head.click();
    await page.locator('#tab-flow[aria-selected="true"]').waitFor();
    listen.child.kill('SIGINT');
    expect((await listen.exited).code).toBe(0);
  });

  it('marks a stuck flow waiting (the source the call asked that never answers), and a message without requestId as tied to nothing', async () => {
    const world = await worlds.newWorld();
    const { listen, page, play } = await listenWithEmulator(world);
    const stuck = await play('network-query', 'stuck');
    const arrived = new Set(stuck.messages.map((message) => message.type.replace(/\.first-data-ready$/, '')));
    const missing = ['hie', 'pharmacy', 'lab'].map((source) => `network-query.${source}`).filter((type) => !arrived.has(type));
    expect(missing).toHaveLength(1);

    await expect.poll(() => flowRows(page, stuck.requestId).count()).toBe(stuck.messages.length);
    expect(
      new Set(
        await flowRows(page, stuck.requestId)
          .locator('.flow')
          .evaluateAll((marks) => marks.map((mark) => mark.getAttribute('data-tone'))),
      ),
    ).toEqual(new Set(['waiting']));
    // "Flows still waiting" lists them, and only rows of waiting flows.
    await page.selectOption('#kind', 'waiting');
    const tones = () =>
      page.locator('#list li[data-id] .flow').evaluateAll((marks) => [...new Set(marks.map((mark) => mark.getAttribute('data-tone')))]);
    await expect.poll(tones).toEqual(['waiting']);
    expect(await flowRows(page, stuck.requestId).count()).toBe(stuck.messages.length);
    await flowRows(page, stuck.requestId).first().click();
    await page.click('#tab-flow');
    await page.locator('#flow-steps').waitFor();
    expect(await page.locator('#flow .pill').textContent()).toBe('waiting');
    expect(await page.locator('#flow-waiting').textContent()).toBe(`Waiting for ${missing[0]}.`);
    expect(await page.locator('#flow-steps li.missing .badge').allTextContents()).toEqual([
      expect.stringMatching(new RegExp(`${missing[0]?.split('.')[1]}$`)),
    ]);
    expect(await page.locator('#flow-steps li.call').textContent()).toMatch(
      /POST \/medical\/v1\/network\/query.*sources: hie, pharmacy, lab/,
    );
    expect(await page.locator('#tab-flow').getAttribute('data-tone')).toBe('waiting');
    if (process.env.MW_SCREENSHOTS !== undefined) {
      await page.selectOption('#kind', '');
      await page.click('#group');
      await page.locator('#list li.flow-head').first().waitFor();
      await page.setViewportSize({ width: 1400, height: 820 });
      await page.screenshot({ path: join(process.env.MW_SCREENSHOTS, 'inspector-flow-waiting.png') });
      await page.click('#group');
    }

    // The sandbox's conversion message has no requestId: it is tied to nothing, and its download's flow still waits for it.
    const untied = await play('document-query', 'no-request-id');
    const conversion = untied.messages.find((message) => message.type === 'medical.document-conversion');
    expect(conversion?.requestId).toBeUndefined();
    await page.selectOption('#kind', '');
    await expect.poll(() => rowOf(page, conversion?.messageId ?? '').count()).toBe(1);
    const row = rowOf(page, conversion?.messageId ?? '');
    expect(await row.getAttribute('data-flow')).toBeNull();
    expect(await row.locator('.flow').getAttribute('data-tone')).toBe('untied');
    expect(await row.locator('.flow').getAttribute('title')).toBe('No requestId: cannot be tied to its flow');
    await row.click();
    await page.locator('#flow').waitFor();
    expect(await page.locator('#flow .big').textContent()).toBe('No requestId: cannot be tied to its flow');
    // Its patient's flows held here are offered, the download's among them, waiting for a conversion.
    expect(await page.locator('#related-flows').textContent()).toMatch(/Document query: waiting for medical\.document-conversion/);
    await page.locator('#related-flows li', { hasText: 'Document query' }).click();
    await page.locator('#flow-waiting').waitFor();
    expect(await page.locator('#flow-waiting').textContent()).toBe('Waiting for medical.document-conversion.');
    expect(await page.locator('#flow .flow-ids').textContent()).toBe(`requestId ${untied.requestId}`);
    listen.child.kill('SIGINT');
    expect((await listen.exited).code).toBe(0);
  });
});
