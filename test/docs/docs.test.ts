import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';

// The README is the guide and docs/ the reference (#27 item 9). These tests keep them true to each other and
// to the CLI: every relative link and anchor resolves, every flag the command tree defines is in its
// command's reference table (and no table lists a flag the CLI no longer has), and no table is broken apart
// by a blank line (GitHub then renders the rest as text).

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The pages these tests hold to account: the guide, the changelog and every reference page. */
function pages(root = ROOT): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  return ['README.md', 'CHANGELOG.md', ...docs.sort()];
}

/** A page's lines with fenced code blocks blanked (kept as empty lines, so line numbers stay right). */
function proseLines(text: string): string[] {
  let fence: string | undefined;
  return text.split('\n').map((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker !== undefined) {
      fence = marker[0];
      return '';
    }
    if (fence !== undefined) {
      if (marker?.[0] === fence) fence = undefined;
      return '';
    }
    return line;
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped (not `-` or `_`), each space a `-`. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a page's headings, with GitHub's `-1`, `-2` for repeats. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const line of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  return found;
}

/** Every link and image target in a page's prose (not in code), with its line number. */
function links(text: string): Array<{ target: string; line: number }> {
  const found: Array<{ target: string; line: number }> = [];
  proseLines(text).forEach((line, index) => {
    const prose = line.replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, 'code');
    for (const match of prose.matchAll(/\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      found.push({ target: match[1] ?? '', line: index + 1 });
    }
  });
  return found;
}

/** What is wrong with a page's relative links: a file that does not exist, or an anchor no heading makes. */
function brokenLinks(page: string, root = ROOT): string[] {
  const text = readFileSync(join(root, page), 'utf8');
  const problems: string[] = [];
  for (const { target, line } of links(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:: not ours to check offline
    const [path = '', anchor] = target.split('#', 2);
    const file = path === '' ? join(root, page) : resolve(dirname(join(root, page)), decodeURIComponent(path));
    const where = `${page}:${line}: ${target}`;
    if (!existsSync(file)) {
      problems.push(`${where}: ${relative(root, file)} does not exist`);
      continue;
    }
    if (anchor !== undefined && anchor !== '' && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor)) {
      problems.push(`${where}: no heading in ${relative(root, file)} makes #${anchor}`);
    }
  }
  return problems;
}

/** A table row's cells, split on unescaped pipes (`\|` stays inside a cell). */
function cells(row: string): string[] {
  const inner = row
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim());
}

const isRow = (line: string) => /^\s*\|/.test(line);
const isDelimiter = (line: string) => /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(line);

/** Every table in a page's prose: its first line number and its rows (header first, delimiter dropped). */
function tables(text: string): Array<{ line: number; rows: string[][] }> {
  const lines = proseLines(text);
  const found: Array<{ line: number; rows: string[][] }> = [];
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (!isRow(line) || isRow(lines[index - 1] ?? '') || !isDelimiter(lines[index + 1] ?? '')) continue;
    const rows = [cells(line)];
    for (let next = index + 2; isRow(lines[next] ?? ''); next += 1) rows.push(cells(lines[next] ?? ''));
    found.push({ line: index + 1, rows });
  }
  return found;
}

/**
 * What is wrong with a page's tables: rows cut off from their table by a blank line (they render as text), a
 * table without its delimiter row, and rows whose cell count differs from the header's.
 */
function brokenTables(page: string, text: string): string[] {
  const lines = proseLines(text);
  const problems: string[] = [];
  lines.forEach((line, index) => {
    if (!isRow(line) || isRow(lines[index - 1] ?? '')) return;
    if (isDelimiter(lines[index + 1] ?? '')) return;
    let back = index - 1;
    while (back >= 0 && (lines[back] ?? '').trim() === '') back -= 1;
    const cutOff = back < index - 1 && isRow(lines[back] ?? '');
    problems.push(
      cutOff
        ? `${page}:${index + 1}: a blank line at ${back + 2} splits a table; these rows render as text`
        : `${page}:${index + 1}: a table without its |---| delimiter row`,
    );
  });
  for (const table of tables(text)) {
    const width = table.rows[0]?.length ?? 0;
    table.rows.forEach((row, offset) => {
      if (row.length !== width) {
        problems.push(`${page}:${table.line + (offset === 0 ? 0 : offset + 1)}: ${row.length} cells where the header has ${width}`);
      }
    });
  }
  return problems;
}

/** The page and section that are a command's reference: its own page, or its `## \`name\`` section. */
const OWN_PAGE: Record<string, string> = { listen: 'docs/listen.md', check: 'docs/check.md' };
const COMMANDS_PAGE = 'docs/commands.md';
/** The section of docs/commands.md that lists the flags every command takes. */
const GLOBAL_SECTION = 'Flags of every command';

/** The text under a heading (to the next heading of the same or a higher level), or undefined. */
function section(text: string, heading: (title: string) => boolean): string | undefined {
  const lines = proseLines(text);
  const start = lines.findIndex((line) => {
    const title = /^#{1,6}\s+(.*)$/.exec(line)?.[1];
    return title !== undefined && heading(title.trim());
  });
  if (start < 0) return undefined;
  const level = /^#+/.exec(lines[start] ?? '')?.[0].length ?? 1;
  const end = lines.findIndex((line, index) => index > start && (/^#+(?=\s)/.exec(line)?.[0].length ?? 99) <= level);
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

/** The long flags (and short ones) in the first column of every flag table (its first header is "flag"). */
function tableFlags(markdown: string): Set<string> {
  const flags = new Set<string>();
  for (const table of tables(markdown)) {
    if (table.rows[0]?.[0]?.toLowerCase() !== 'flag') continue;
    for (const row of table.rows.slice(1)) {
      for (const match of (row[0] ?? '').matchAll(/(?<![\w-])(--?[a-z][a-z0-9-]*)/gi)) flags.add(match[1] ?? '');
    }
  }
  return flags;
}

/** Where a command's reference is, and its text. */
function referenceOf(command: string, root = ROOT): { where: string; text: string | undefined } {
  const own = OWN_PAGE[command];
  if (own !== undefined) return { where: own, text: readFileSync(join(root, own), 'utf8') };
  const text = readFileSync(join(root, COMMANDS_PAGE), 'utf8');
  return { where: `${COMMANDS_PAGE}, section "\`${command}\`"`, text: section(text, (title) => title === `\`${command}\``) };
}

const program = buildProgram(() => undefined);
const globalFlags = program.options.map((option) => option.long ?? option.short ?? option.flags);
const HELP = '--help';

describe('links in the README and docs/', () => {
  it.each(pages())('%s: every relative link names a file that exists, and every anchor a heading there', (page) => {
    expect(brokenLinks(page)).toEqual([]);
  });

  it('the README links every reference page, and every reference page links back to the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const linked = new Set(links(readme).map(({ target }) => target.split('#')[0]));
    const reference = pages().filter((page) => page.startsWith('docs/'));
    expect(reference.filter((page) => !linked.has(page))).toEqual([]);
    for (const page of reference) {
      const back = links(readFileSync(join(ROOT, page), 'utf8')).some(({ target }) => target.split('#')[0] === '../README.md');
      expect(back, `${page} links back to the README`).toBe(true);
    }
  });
});

describe('every flag the CLI defines is in its reference table', () => {
  const commands = program.commands.map((command) => command.name());

  it('the command tree has the commands the reference pages are arranged for', () => {
    expect(commands).toContain('listen');
    expect(commands).toContain('check');
    expect(commands.length).toBeGreaterThanOrEqual(12);
  });

  it.each(commands)('%s: each of its flags is in a table of its reference, and the tables list no flag it lacks', (name) => {
    const command = program.commands.find((candidate) => candidate.name() === name);
    const { where, text } = referenceOf(name);
    expect(text, `no reference for \`${name}\`: give it a "## \`${name}\`" section with a flag table in ${COMMANDS_PAGE}`).toBeDefined();
    const documented = tableFlags(text ?? '');
    const defined = (command?.options ?? []).map((option) => option.long ?? option.short ?? option.flags);
    const missing = defined.filter((flag) => !documented.has(flag));
    expect(missing, `flags of \`${name}\` missing from the tables of ${where}`).toEqual([]);
    const known = new Set([
      ...defined,
      ...(command?.options ?? []).flatMap((option) => option.short ?? []),
      ...globalFlags,
      HELP,
      '-h',
      '-v',
    ]);
    expect(
      [...documented].filter((flag) => !known.has(flag)),
      `flags in the tables of ${where} that \`${name}\` does not define`,
    ).toEqual([]);
  });

  it('the flags every command takes (--version, --debug, --no-color, --help) are in their own table', () => {
    const text = section(readFileSync(join(ROOT, COMMANDS_PAGE), 'utf8'), (title) => title === GLOBAL_SECTION);
    expect(text, `${COMMANDS_PAGE} has a "${GLOBAL_SECTION}" section`).toBeDefined();
    const documented = tableFlags(text ?? '');
    expect([...globalFlags, HELP].filter((flag) => !documented.has(flag))).toEqual([]);
  });
});

describe('docs/architecture.md, file by file', () => {
  // A command's options/command/run and its renderer in output/commands/ are named once, as a pattern.
  const PATTERNED = /^src\/commands\/[a-z-]+\/(options|command|run)\.ts$|^src\/output\/commands\/[a-z-]+\.ts$/;
  const sources = (readdirSync(join(ROOT, 'src'), { recursive: true }) as string[])
    .filter((path) => path.endsWith('.ts'))
    .map((path) => `src/${path.split('\\').join('/')}`);
  const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');

  it('names every source file (by its name, with or without .ts), so a new file is placed when it lands', () => {
    const named = (path: string) => {
      const name = path.slice(path.lastIndexOf('/') + 1, -'.ts'.length).replace(/[-.]/g, (char) => `\\${char}`);
      return new RegExp(`(?<![\\w-])${name}(?![\\w-])`).test(doc);
    };
    expect(sources.filter((path) => !PATTERNED.test(path) && !named(path))).toEqual([]);
  });

  it('names no .ts file that is not there', () => {
    const names = new Set(sources.map((path) => path.slice(path.lastIndexOf('/') + 1)));
    const mentioned = [...doc.matchAll(/(?<![\w./-])([\w-]+\.ts)\b/g)].map((match) => match[1] as string);
    expect(mentioned.filter((name) => !names.has(name))).toEqual([]);
    const paths = [...doc.matchAll(/\bsrc\/[\w/-]+\.ts\b/g)].map((match) => match[0]);
    expect(paths.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
  });
});

describe('tables render', () => {
  it.each(pages())('%s: no blank line inside a table, every table has its delimiter, rows as wide as the header', (page) => {
    expect(brokenTables(page, readFileSync(join(ROOT, page), 'utf8'))).toEqual([]);
  });
});

describe('the checks themselves catch what they are for', () => {
  it('a blank line inside a table is reported, two tables apart are not', () => {
    const split = '| flag | meaning |\n|---|---|\n| `--a` | a |\n\n| `--b` | b |\n';
    expect(brokenTables('x.md', split)).toEqual(['x.md:5: a blank line at 4 splits a table; these rows render as text']);
    const apart = '| a | b |\n|---|---|\n| 1 | 2 |\n\n| c | d |\n|---|---|\n| 3 | 4 |\n';
    expect(brokenTables('x.md', apart)).toEqual([]);
    expect(brokenTables('x.md', '| a | b |\n|---|---|\n| 1 | 2 | 3 |\n')).toEqual(['x.md:3: 3 cells where the header has 2']);
    expect(brokenTables('x.md', '```\n| not | a table |\n\n| in | code |\n```\n')).toEqual([]);
  });

  it("anchors follow GitHub's rules", () => {
    expect(slug("Where Metriport's docs and code disagree")).toBe('where-metriports-docs-and-code-disagree');
    expect(slug('Settings: flags, environment, `.env`')).toBe('settings-flags-environment-env');
    expect(slug('Is your endpoint ready? `check`')).toBe('is-your-endpoint-ready-check');
    expect([...anchors('# A\n## B\n## B\n```\n# not a heading\n```\n')]).toEqual(['a', 'b', 'b-1']);
  });

  it('links in code are not links; flags are read from the first column only', () => {
    expect(links('[a](x.md) `[b](y.md)`\n```\n[c](z.md)\n```\n![d](e.png "t")').map(({ target }) => target)).toEqual(['x.md', 'e.png']);
    expect([
      ...tableFlags(
        '| type |\n|---|\n| `a` / `-b` |\n\n| flag | meaning |\n|---|---|\n| `-y, --yes` | not `--no` |\n| `--env`, `--api-url` | |\n',
      ),
    ]).toEqual(['-y', '--yes', '--env', '--api-url']);
  });
});
