// Build step: compiles the inspector's page (src/inspector/page/app.ts, checked against the DOM and the types
// the server sends by tsconfig.page.json) and writes it, with index.html, app.css and favicon.svg, into
// dist/inspector/page-assets.json, which the inspector reads once when it starts and serves from memory.
// It runs tsc's command line rather than its JS API, which TypeScript 7 no longer has. When none of its
// sources changed since the last build it does nothing, so `npm run test:fast` can call it for ~0.1 s.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const require = createRequire(import.meta.url);
const root = new URL('../', import.meta.url);
const page = new URL('src/inspector/page/', root);
const project = new URL('tsconfig.page.json', root);
const target = new URL('dist/inspector/page-assets.json', root);

const sources = [
  project,
  new URL('src/inspector/entry.ts', root),
  ...readdirSync(page)
    .sort()
    .map((name) => new URL(name, page)),
];
const hash = createHash('sha256').update(`typescript ${require('typescript/package.json').version}\0`);
for (const source of sources)
  hash
    .update(`${source.href.slice(root.href.length)}\0`)
    .update(readFileSync(source))
    .update('\0');
const sourcesDigest = hash.digest('hex');

let built;
try {
  built = JSON.parse(readFileSync(target, 'utf8')).sourcesDigest;
} catch {
  built = undefined;
}
if (built !== sourcesDigest) build();

function build() {
  const compiled = mkdtempSync(join(tmpdir(), 'mw-inspector-page-'));
  try {
    const tsc = require.resolve('typescript/bin/tsc');
    try {
      execFileSync(process.execPath, [tsc, '-p', fileURLToPath(project), '--noEmit', 'false', '--outDir', compiled], { stdio: 'inherit' });
    } catch {
      fail('The inspector page does not compile (tsc -p tsconfig.page.json says why, above).');
    }
    const js = readFileSync(join(compiled, 'page', 'app.js'), 'utf8');
    // index.html loads it as a classic script: an `import` or `export` left in it would stop the page dead.
    try {
      new Script(js, { filename: 'app.js' });
    } catch (error) {
      fail(
        `The inspector page compiled to something a classic <script> cannot run (${error.message}): bring its types in with ` +
          "`type X = import('../entry.js').X`, not an import statement.",
      );
    }
    const assets = {
      html: readFileSync(new URL('index.html', page), 'utf8'),
      css: readFileSync(new URL('app.css', page), 'utf8'),
      icon: readFileSync(new URL('favicon.svg', page), 'utf8'),
      js,
      sourcesDigest,
    };
    mkdirSync(new URL('./', target), { recursive: true });
    // Renamed into place, so a CLI starting meanwhile (tests run in parallel) reads the old file or the new one.
    const partial = new URL(`page-assets.json.${process.pid}`, target);
    writeFileSync(partial, `${JSON.stringify(assets)}\n`);
    renameSync(partial, target);
  } finally {
    rmSync(compiled, { recursive: true, force: true });
  }
}

function fail(message) {
  console.error(message);
  process.exit(1);
}
