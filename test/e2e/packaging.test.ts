import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, READY } from '../helpers/spawn-cli.js';

// Issue #27 item 10: what `npm publish` ships is what a user runs, and installing it runs nothing.
//
// The tarball is packed the way a release is, from a copy of the working tree without dist/ (then with
// files an older build might have left planted in dist/), so the `prepack` build has to make dist/ from
// nothing and clear out what was there. Packing this clone itself would run that build here, deleting dist/ under the other test files
// running in parallel; `--ignore-scripts` on this clone would only prove whatever dist/ happens to hold.
// The tarball is then installed into an empty project from the machine's npm registry and cache (the one
// test that uses them; `--prefer-offline`), and the CLI runs from there through npx, with its own HOME.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Runtime dependencies: the only packages the built code may import (the CLI contract names them). */
const RUNTIME = ['@ngrok/ngrok', 'chalk', 'commander', 'fastify', 'ora'];
/** Lifecycle scripts npm runs when a package is installed; none may be in the published package.json. */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'preprepare', 'prepare', 'postprepare', 'prepublish'];
/** One line per message in the terminal view: time, type, short id. */
const MESSAGE_LINE = /^\d{2}:\d{2}:\d{2} {2}[a-z-]+\.[a-z.-]+ {2}[0-9a-f]{8} /m;

interface Run {
  child: ChildProcess;
  output: { stdout: string; stderr: string };
  waitFor(pattern: RegExp, stream: 'stdout' | 'stderr'): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: ChildProcess[] = [];
let work = '';

function start(command: string, args: string[], cwd: string, env: Record<string, string | undefined>): Run {
  // Its own process group, so that what is left after a failure (npx's sh and the CLI too) can be killed.
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  started.push(child);
  const output = { stdout: '', stderr: '' };
  const listeners = new Set<() => void>();
  let done = false;
  child.stdout?.on('data', (chunk: Buffer) => {
    output.stdout += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString();
    for (const listener of listeners) listener();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      done = true;
      resolve({ code, signal });
      for (const listener of listeners) listener();
    }),
  );
  return {
    child,
    output,
    exited,
    waitFor: (pattern, stream) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = output[stream].match(pattern);
          if (match) {
            listeners.delete(check);
            resolve(match);
          } else if (done) {
            listeners.delete(check);
            reject(
              new Error(
                `${command} ${args.join(' ')} exited before ${pattern} on ${stream}.\nstdout:\n${output.stdout}\nstderr:\n${output.stderr}`,
              ),
            );
          }
        };
        listeners.add(check);
        check();
      }),
  };
}

/** Runs a command to its end; a failure throws with everything it printed. */
async function runToEnd(command: string, args: string[], cwd: string, env: Record<string, string | undefined>) {
  const run = start(command, args, cwd, env);
  const { code, signal } = await run.exited;
  const printed = `${run.output.stdout}\n${run.output.stderr}`;
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} in ${cwd} ended with ${code ?? signal}:\n${printed}`);
  return { stdout: run.output.stdout, stderr: run.output.stderr, printed };
}

/**
 * The environment npm gets: none of the npm settings `npm test` passes its scripts (npm_config_local_prefix
 * would point a nested npm at this clone), only where the registry, cache and certificates are; no PATH entry
 * inside this clone, so nothing from it (its node_modules/.bin) can stand in for the installed package.
 */
function npmEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const keep = /^npm_config_(registry|cache|userconfig|globalconfig|cafile|ca|proxy|https_proxy|noproxy|strict_ssl)$/i;
  const env = cleanEnv();
  for (const name of Object.keys(env)) if ((/^npm_/i.test(name) && !keep.test(name)) || name === 'INIT_CWD') delete env[name];
  env.PATH = (env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '' && !`${dir}${sep}`.startsWith(ROOT))
    .join(delimiter);
  return { ...env, npm_config_update_notifier: 'false', ...extra };
}

/** Every file under `dir`, relative to it, with `/` separators, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

/** The processes below `pid`, from /proc (Linux), each with its argument vector. */
async function descendants(pid: number): Promise<Array<{ pid: number; argv: string[] }>> {
  const parents = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: Array<{ pid: number; argv: string[] }> = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const [child, ppid] of parents) {
      if (ppid !== parent) continue;
      queue.push(child);
      const argv = await readFile(`/proc/${child}/cmdline`, 'utf8').then(
        (text) => text.split('\0').filter(Boolean),
        () => [],
      );
      found.push({ pid: child, argv });
    }
  }
  return found;
}

const packed = { tarball: '', entries: [] as string[], unpacked: '', manifest: {} as Record<string, any> };
const installed = { app: '', output: '' };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mw-packaging-'));

  // The working tree as a fresh clone has it (no .git, node_modules/, dist/ or what else .gitignore names,
  // but logs), with this clone's installed dependencies, and then a module and a map from an "older build".
  const source = join(work, 'source');
  const ignored = new Set(['.git', 'node_modules', 'dist', 'coverage', '.env']);
  await cp(ROOT, source, { recursive: true, filter: (path) => !ignored.has(relative(ROOT, path).split(sep)[0] ?? '') });
  await symlink(join(ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
  await mkdir(join(source, 'dist', 'removed'), { recursive: true });
  await writeFile(join(source, 'dist', 'removed', 'old-module.js'), 'export {};\n');
  await writeFile(join(source, 'dist', 'old-module.js.map'), '{}\n');

  const tarballs = join(work, 'tarballs');
  await mkdir(tarballs);
  await runToEnd('npm', ['pack', '--pack-destination', tarballs], source, npmEnv());
  const [name, ...others] = await readdir(tarballs);
  if (name === undefined || others.length > 0) throw new Error(`npm pack made ${[name, ...others].join(', ')}`);
  packed.tarball = join(tarballs, name);
  packed.entries = (await runToEnd('tar', ['-tzf', packed.tarball], work, npmEnv())).stdout.split('\n').filter(Boolean).sort();
  packed.unpacked = join(work, 'unpacked');
  await mkdir(packed.unpacked);
  await runToEnd('tar', ['-xzf', packed.tarball, '-C', packed.unpacked], work, npmEnv());
  packed.manifest = JSON.parse(await readFile(join(packed.unpacked, 'package', 'package.json'), 'utf8'));

  // A user's empty project installs the tarball.
  installed.app = join(work, 'app');
  await mkdir(installed.app);
  await runToEnd('npm', ['init', '-y'], installed.app, npmEnv());
  installed.output = (
    await runToEnd('npm', ['install', packed.tarball, '--no-audit', '--no-fund', '--prefer-offline'], installed.app, npmEnv())
  ).printed;
}, 300_000);

afterAll(async () => {
  for (const child of started) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the whole group is gone
    }
  }
  if (work !== '') await rm(work, { recursive: true, force: true });
});

describe('the published package (npm pack → npm install in an empty project → npx)', { timeout: 120_000 }, () => {
  it('holds bin/, a clean build of dist/ without source maps, fixtures/, README and package.json; nothing else', async () => {
    expect(packed.entries.every((entry) => entry.startsWith('package/'))).toBe(true);
    const files = packed.entries.map((entry) => entry.slice('package/'.length));
    const top = [...new Set(files.map((file) => file.split('/')[0]))].sort();
    const license = (await readdir(ROOT)).filter((name) => /^licen[cs]e/i.test(name));
    expect(top).toEqual(['README.md', 'bin', 'dist', 'fixtures', ...license, 'package.json'].sort());

    expect(files.filter((file) => file.startsWith('bin/'))).toEqual(['bin/metriport-webhook.js', 'bin/package.json']);
    expect(files.filter((file) => file.startsWith('fixtures/'))).toEqual(
      (await filesUnder(join(ROOT, 'fixtures'))).map((file) => `fixtures/${file}`),
    );
    // dist/ is exactly what this working tree's src/ compiles to, plus the two build-time renders: nothing an
    // older build left (the planted files), no maps (they point at src/*.ts, which is not shipped).
    const compiled = (await filesUnder(join(ROOT, 'src')))
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.startsWith('inspector/page/'))
      .map((file) => `dist/${file.replace(/\.ts$/, '.js')}`);
    expect(files.filter((file) => file.startsWith('dist/'))).toEqual(
      [...compiled, 'dist/help.json', 'dist/inspector/page-assets.json'].sort(),
    );
  });

  it('declares no install-time script, and exactly the runtime packages the built code imports as dependencies', async () => {
    const ours = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    expect(packed.manifest.version).toBe(ours.version);
    expect(Object.keys(packed.manifest.scripts ?? {}).filter((name) => INSTALL_SCRIPTS.includes(name))).toEqual([]);

    const imported = new Set<string>();
    // import … from 'x', import('x'), require('x') and createRequire(…)('x'), where x is a package name.
    const bare =
      /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bcreateRequire\([^()]*\)\s*\(\s*)['"]((?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(?:\/[^'"]*)?)['"]/g;
    for (const file of packed.entries.filter((entry) => entry.endsWith('.js'))) {
      const code = await readFile(join(packed.unpacked, file), 'utf8');
      for (const [, specifier = ''] of code.matchAll(bare)) {
        if (specifier.startsWith('node:')) continue;
        imported.add(
          specifier
            .split('/')
            .slice(0, specifier.startsWith('@') ? 2 : 1)
            .join('/'),
        );
      }
    }
    expect([...imported].sort()).toEqual(RUNTIME);
    expect(Object.keys(packed.manifest.dependencies ?? {}).sort()).toEqual(RUNTIME);
  });

  it('installs into an empty project without a lifecycle-script warning, and the installed package has no install script', async () => {
    expect(installed.output).not.toMatch(/install-scripts|allowScripts|\bprepare\b/i);
    const manifest = JSON.parse(await readFile(join(installed.app, 'node_modules', 'metriport-webhook', 'package.json'), 'utf8'));
    expect(Object.keys(manifest.scripts ?? {}).filter((name) => INSTALL_SCRIPTS.includes(name))).toEqual([]);
    const app = JSON.parse(await readFile(join(installed.app, 'package.json'), 'utf8'));
    expect(Object.keys(app.dependencies ?? {})).toEqual(['metriport-webhook']);
  });

  it('npx metriport-webhook --version prints the version in package.json', async () => {
    const home = join(work, 'home-version');
    const { stdout } = await runToEnd(
      'npx',
      ['metriport-webhook', '--version'],
      installed.app,
      npmEnv({ HOME: home, XDG_STATE_HOME: join(home, 'state') }),
    );
    expect(stdout.trim()).toBe(JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('npx metriport-webhook listen --emulator: ready, a sample message, and exit 0 on SIGINT', async () => {
    const home = join(work, 'home-listen');
    const npx = start(
      'npx',
      ['metriport-webhook', 'listen', '--emulator', '--port', '0', '--inspect-port', '0'],
      installed.app,
      npmEnv({ HOME: home, XDG_STATE_HOME: join(home, 'state') }),
    );
    await npx.waitFor(READY, 'stderr');
    await npx.waitFor(MESSAGE_LINE, 'stdout');

    // npx runs the installed bin through `sh -c` (npm exec → sh → node). Ctrl-C on a terminal signals all
    // three, and then sh (dash) ends by SIGINT whatever the CLI answered, and npx with it; the exit code
    // tested here is the CLI's own, which npx passes on when only the CLI is signalled. Found through
    // /proc (Linux, as every machine that runs these tests), by the script it runs: the installed copy.
    const script = await realpath(join(installed.app, 'node_modules', 'metriport-webhook', 'bin', 'metriport-webhook.js'));
    const below = await descendants(npx.child.pid ?? -1);
    const clis: number[] = [];
    for (const { pid, argv } of below) {
      const path = argv[1] === undefined ? undefined : await realpath(argv[1]).catch(() => undefined);
      if (path === script) clis.push(pid);
    }
    expect(clis, JSON.stringify(below)).toHaveLength(1);
    process.kill(clis[0] as number, 'SIGINT');

    expect(await npx.exited).toEqual({ code: 0, signal: null });
    expect(npx.output.stderr).toMatch(/SIGINT: stopping/);
    expect(npx.output.stderr).toMatch(/^Stopped\. Received \d+/m);
    // Its suggestions go through npx too: another terminal has no node_modules/.bin on its PATH.
    expect(npx.output.stderr).toMatch(
      /^ {2}npx metriport-webhook trigger patient\.admit --via-api --api-url http:\S+ --api-key local-emulator$/m,
    );
    expect(npx.output.stderr).not.toMatch(/^ {2}metriport-webhook /m);
  });
});
