import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layering of the README's architecture section, checked instead of reviewed.
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(dir = SRC): Array<{ path: string; text: string }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') ? [{ path: relative(SRC, full), text: readFileSync(full, 'utf8') }] : [];
  });
}

const files = sources();
const isEdge = (path: string) => path === 'cli.ts' || path.startsWith('commands/');
const folderOf = (path: string) => path.split('/')[0]?.replace(/\.ts$/, '') ?? '';

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

/** Every relative import (static or dynamic), resolved to a path under src/. */
function importsOf(file: { path: string; text: string }): Import[] {
  const found: Import[] = [];
  const pattern = /(?:^import (type )?[^;]*? from |import\()'(\.{1,2}\/[^']+)\.js'/gm;
  for (const match of file.text.matchAll(pattern)) {
    const to = normalize(join(dirname(file.path), `${match[2]}.ts`));
    found.push({ from: file.path, to, typeOnly: match[1] !== undefined });
  }
  return found;
}

const imports = files.flatMap(importsOf);

/** The inspector's page, compiled by tsconfig.page.json for the browser. */
const isBrowserCode = (path: string) => path.startsWith('inspector/page/');

/** Every module a file names, relative or not, in an import statement, an export … from or an import() (type or call). */
function specifiersOf(text: string): string[] {
  const pattern = /(?:^\s*import\s[^;]*?\sfrom\s*|^\s*export\s[^;]*?\sfrom\s*|^\s*import\s*|\bimport\s*\(\s*)['"]([^'"]+)['"]/gm;
  return [...text.matchAll(pattern)].map((match) => match[1] ?? '');
}

/** Which folders each folder may import from (types included). Arrows point down only. */
const ALLOWED: Record<string, readonly string[]> = {
  'next-command': [],
  errors: ['next-command'],
  exit: [],
  util: ['errors'],
  http: ['errors'],
  tunnel: ['util', 'errors'],
  samples: ['util', 'errors'],
  metriport: ['http', 'util', 'errors', 'next-command'],
  webhook: ['http', 'metriport', 'util', 'errors'],
  receiver: ['webhook', 'http', 'util', 'errors'],
  capture: ['webhook', 'util', 'errors'],
  state: ['util', 'errors'],
  account: ['state', 'metriport', 'util', 'errors', 'next-command'],
  config: ['metriport', 'samples', 'util', 'errors', 'next-command'],
  listen: ['receiver', 'capture', 'account', 'state', 'config', 'webhook', 'tunnel', 'metriport', 'http', 'util', 'errors', 'next-command'],
  emulator: ['webhook', 'metriport', 'samples', 'http', 'util', 'errors'],
  check: ['webhook', 'metriport', 'samples', 'http', 'util', 'errors', 'next-command'],
  output: [
    'listen',
    'account',
    'state',
    'receiver',
    'check',
    'emulator',
    'webhook',
    'config',
    'metriport',
    'util',
    'errors',
    'next-command',
  ],
  inspector: ['output', 'listen', 'receiver', 'webhook', 'metriport', 'http', 'util', 'errors'],
  commands: [
    'inspector',
    'output',
    'listen',
    'account',
    'state',
    'receiver',
    'check',
    'emulator',
    'config',
    'capture',
    'webhook',
    'tunnel',
    'metriport',
    'samples',
    'http',
    'util',
    'errors',
    'next-command',
    'exit',
  ],
  cli: ['commands', 'output', 'metriport', 'util', 'errors', 'exit'],
};

describe('architecture', () => {
  it('every folder imports only from the folders below it', () => {
    const offenders = imports
      .filter((edge) => folderOf(edge.from) !== folderOf(edge.to))
      .filter((edge) => !(ALLOWED[folderOf(edge.from)] ?? []).includes(folderOf(edge.to)))
      .map((edge) => `${edge.from} → ${edge.to}`);
    expect(offenders).toEqual([]);
  });

  it('every folder is in the allow-list (a new folder needs a rule)', () => {
    expect([...new Set(files.map((file) => folderOf(file.path)))].filter((folder) => ALLOWED[folder] === undefined)).toEqual([]);
  });

  it('no module imports itself back through others (type-only imports aside)', () => {
    const graph = new Map<string, string[]>();
    for (const edge of imports.filter((item) => !item.typeOnly)) graph.set(edge.from, [...(graph.get(edge.from) ?? []), edge.to]);
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (node: string, trail: string[]) => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(node)), node].join(' → '));
        return;
      }
      state.set(node, 'open');
      for (const next of graph.get(node) ?? []) visit(next, [...trail, node]);
      state.set(node, 'done');
    };
    for (const file of files) visit(file.path, []);
    expect(cycles).toEqual([]);
  });

  it('only the commands and cli.ts import commander or ora, or touch process; only exit.ts exits', () => {
    const offenders = files
      .filter((file) => !isEdge(file.path) && file.path !== 'exit.ts')
      .filter(
        (file) =>
          /from '(commander|ora)'/.test(file.text) || /\bprocess\.(env|argv|exit|on|once|stdout|stderr|stdin|kill|pid)\b/.test(file.text),
      )
      .map((file) => file.path);
    expect(offenders).toEqual([]);
    expect(files.filter((file) => /\bprocess\.exit\(/.test(file.text)).map((file) => file.path)).toEqual(['exit.ts']);
  });

  it('only src/output imports chalk at run time', () => {
    const offenders = files
      .filter((file) => !file.path.startsWith('output/') && /^import \{[^}]*\bChalk\b[^}]*\} from 'chalk'/m.test(file.text))
      .map((file) => file.path);
    expect(offenders).toEqual([]);
  });

  it('only tunnel/ngrok.ts names @ngrok/ngrok, and loads it lazily', () => {
    const naming = files.filter((file) => file.text.includes('@ngrok/ngrok')).map((file) => file.path);
    expect(naming).toEqual(['tunnel/ngrok.ts']);
    expect(files.find((file) => file.path === 'tunnel/ngrok.ts')?.text).not.toMatch(/^import .* from '@ngrok\/ngrok'/m);
  });

  it('the emulator never uses the client: it is the other side of that contract', () => {
    expect(imports.filter((edge) => folderOf(edge.from) === 'emulator' && edge.to === 'metriport/client.ts')).toEqual([]);
  });

  it('only metriport/client.ts calls the API paths, and only http/send-http.ts makes outgoing HTTP calls', () => {
    const apiCallers = files.filter(
      (file) =>
        file.path !== 'metriport/client.ts' &&
        /['"`]\/?settings\/webhook\/retry['"`]/.test(file.text) &&
        !file.path.startsWith('emulator/'),
    );
    expect(apiCallers.map((file) => file.path)).toEqual([]);
    // The inspector's page runs in the browser: its fetch() calls go to the inspector's own origin (the CSP says so).
    const httpCallers = files
      .filter((file) => !isBrowserCode(file.path) && /\bfetch\(|import \{[^}]*\brequest\b[^}]*\} from 'node:https?'/.test(file.text))
      .map((file) => file.path);
    expect(httpCallers).toEqual(['http/send-http.ts']);
  });

  it("the inspector's page imports nothing but the types it shares with the server, which hold no code", () => {
    const browserCode = files.filter((file) => isBrowserCode(file.path));
    expect(browserCode.map((file) => file.path)).toContain('inspector/page/app.ts');
    // The page is compiled alone and served as one classic script: a module it named would never reach the browser.
    const named = browserCode.flatMap((file) => specifiersOf(file.text).map((specifier) => `${file.path} → ${specifier}`));
    expect(named.filter((edge) => !edge.endsWith(' → ../entry.js'))).toEqual([]);
    const shared = files.find((file) => file.path === 'inspector/entry.ts')?.text ?? '';
    expect(specifiersOf(shared)).toEqual([]);
    expect(shared.match(/^export (?!interface |type )\S+/gm)).toBeNull();
  });
});
