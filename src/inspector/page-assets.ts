import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { MwError } from '../errors.js';
import { isRecord } from '../util/json.js';

/** The inspector's page as it is served: built from src/inspector/page/ by scripts/build-inspector-page.mjs. */
export interface PageAssets {
  html: string;
  css: string;
  /** favicon.svg, also the mark in the page's bar. */
  icon: string;
  /** The compiled app.ts: a classic script. */
  js: string;
}

/**
 * Where the build writes the page. The same relative path finds it from dist/inspector/ (the CLI) and from
 * src/inspector/ (tests that run the TypeScript): both folders sit two levels below the package root.
 */
export const PAGE_ASSETS_FILE = new URL('../../dist/inspector/page-assets.json', import.meta.url);

/** Read once per inspector, which then serves the page from memory. */
export async function readPageAssets(): Promise<PageAssets> {
  let assets: unknown;
  let cause: unknown;
  try {
    assets = JSON.parse(await readFile(PAGE_ASSETS_FILE, 'utf8'));
  } catch (error) {
    cause = error;
  }
  if (
    isRecord(assets) &&
    typeof assets.html === 'string' &&
    typeof assets.css === 'string' &&
    typeof assets.icon === 'string' &&
    typeof assets.js === 'string'
  )
    return { html: assets.html, css: assets.css, icon: assets.icon, js: assets.js };
  throw new MwError(`The inspector's page (${fileURLToPath(PAGE_ASSETS_FILE)}) is missing or damaged.`, {
    code: 'INSPECTOR_PAGE_MISSING',
    category: 'internal',
    hint: 'From a clone, run npm run build; else reinstall metriport-webhook.',
    cause,
  });
}
