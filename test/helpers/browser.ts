import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

/** Debian's chromium (`.ci/run` installs it); Playwright's own browser downloads cannot work on these machines. */
export const CHROMIUM = process.env.MW_CHROMIUM ?? '/usr/bin/chromium';
/** The inspector's link as `listen` prints it: its origin and its token. */
export const INSPECTOR = /Inspector:\s+(http:\/\/127\.0\.0\.1:\d+)\/#token=([\w-]+)/;
/** `listen --emulator` says its hints again once it has sent the last sample. */
export const ALL_SAMPLES_SENT = /From another terminal:[\s\S]*From another terminal:/;

/** One chromium for a test file, launched before its tests and closed after them. */
export function useChromium(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (browser === undefined) throw new Error('chromium is launched before the tests run');
    return browser;
  };
}
