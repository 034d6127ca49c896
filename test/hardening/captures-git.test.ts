import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isCaptureFileName } from '../../src/capture/file-names.js';
import { captureGitNotices } from '../../src/capture/git-exposure.js';
import { type CliWorld, useCliWorlds } from '../helpers/cli-env.js';
import { captureFiles } from '../helpers/servers.js';
import { READY, spawnCli } from '../helpers/spawn-cli.js';
import { messageBody, postSigned, TEST_KEY } from '../helpers/webhooks.js';

// Issue #24 item 8: `--out ./captures` into a folder that already existed inside a git work tree wrote no
// .gitignore, and `git add .` staged patient data. Whatever the folder's history, captures stay out of
// `git add`, or the user is told once, at start, with the exact fix.

const worlds = useCliWorlds();
const run = promisify(execFile);

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await run('git', args, { cwd })).stdout;
}

/** A real repository with one commit, so `git status` and `git add` behave as in a project. */
async function repository(world: CliWorld): Promise<string> {
  const repo = join(world.cwd, 'project');
  await mkdir(repo);
  await git(repo, 'init', '-q');
  await git(repo, 'config', 'user.email', 'dev@example.com');
  await git(repo, 'config', 'user.name', 'Dev');
  await writeFile(join(repo, 'app.js'), 'console.log(1);\n');
  return repo;
}

async function commitAll(repo: string): Promise<void> {
  await git(repo, 'add', '.');
  await git(repo, 'commit', '-q', '-m', 'setup');
}

/** Runs listen in `repo` with `--out captures`, delivers one signed message, and stops it. */
async function captureOne(world: CliWorld, repo: string): Promise<{ stderr: string; files: string[] }> {
  // Run from inside the repository, as a developer would, with the world's private HOME.
  const listen = spawnCli(['listen', '--no-tunnel', '--no-inspect', '--webhook-key', TEST_KEY, '--out', 'captures', '--port', '0'], {
    cwd: repo,
    env: world.env,
  });
  worlds.onCleanup(() => {
    if (listen.child.exitCode === null && listen.child.signalCode === null) listen.child.kill('SIGKILL');
  });
  const [, url] = await listen.waitFor(READY);
  expect((await postSigned(url ?? '', messageBody('medical.document-download'))).status).toBe(200);
  listen.child.kill('SIGINT');
  expect((await listen.exited).code).toBe(0);
  return { stderr: listen.stderr(), files: (await captureFiles(join(repo, 'captures'))).filter(isCaptureFileName) };
}

/** What `git add .` stages, as `git status --porcelain` lists it. */
async function staged(repo: string): Promise<string[]> {
  await git(repo, 'add', '.');
  return (await git(repo, 'status', '--porcelain')).split('\n').filter((line) => line !== '');
}

describe('captures and git', () => {
  it('an existing captures/ (tracked README, no .gitignore): a .gitignore is written, and `git add .` stages no capture', async () => {
    const world = await worlds.newWorld();
    const repo = await repository(world);
    await mkdir(join(repo, 'captures'));
    await writeFile(join(repo, 'captures', 'README.md'), 'Webhook captures go here.\n');
    await commitAll(repo);

    const { stderr, files } = await captureOne(world, repo);
    expect(files).toHaveLength(1);
    expect(stderr).not.toMatch(/warning/);
    expect(await readFile(join(repo, 'captures', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    expect(await staged(repo)).toEqual([]);
  });

  it("the user's own .gitignore that does not cover captures: one warning at start, whose fix, run as printed, works", async () => {
    const world = await worlds.newWorld();
    const repo = await repository(world);
    await mkdir(join(repo, 'captures'));
    await writeFile(join(repo, 'captures', '.gitignore'), '*.tmp\n');
    await commitAll(repo);

    const { stderr, files } = await captureOne(world, repo);
    expect(files).toHaveLength(1);
    expect(await readFile(join(repo, 'captures', '.gitignore'), 'utf8')).toBe('*.tmp\n');
    const warnings = stderr.match(/warning.*/g) ?? [];
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      "git does not ignore the captures in captures: its .gitignore is not this tool's, and `git add .` would stage patient data. Add a line * at its end: `echo '*' >> captures/.gitignore` (or use another --out folder).",
    );
    expect(stderr.indexOf('warning')).toBeLessThan(stderr.search(READY));
    // Without the fix git would take the capture; with it, as printed, it does not.
    expect((await git(repo, 'status', '--porcelain', '--untracked-files=all')).split('\n')).toContain(`?? captures/${files[0]}`);
    const fix = /`(echo .*?)`/.exec(warnings[0] ?? '')?.[1] ?? '';
    await run('sh', ['-c', fix], { cwd: repo });
    expect(await staged(repo)).toEqual(['M  captures/.gitignore']);
  });

  it('tracked captures, the top of a work tree, and a --jsonl file: one notice each, with the fix', async () => {
    const world = await worlds.newWorld();
    const repo = await repository(world);
    const dir = join(repo, 'captures');
    await mkdir(dir);
    const old = '20261128T100000000Z_000001_patient.admit_0195d9a0-aaaa-7bbb-8ccc-000000000001.json';
    await writeFile(join(dir, old), '{}');
    await commitAll(repo);

    const tracked = await captureGitNotices({ outDir: dir });
    expect(tracked).toEqual([
      {
        message: `1 capture(s) in ${dir} are tracked by git already (e.g. ${old}): patient data in your commits.`,
        hint: `Stop tracking them: \`git rm -r --cached -- ${dir}\`, then commit (earlier commits keep them until the history is rewritten).`,
      },
    ]);

    const top = await captureGitNotices({ outDir: repo });
    expect(top.map((notice) => notice.message)).toEqual([
      `--out ${repo} is the top of a git work tree, and git does not ignore the captures there: \`git add .\` would stage patient data.`,
    ]);
    await expect(readFile(join(repo, '.gitignore'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });

    const jsonl = await captureGitNotices({ jsonlFile: join(repo, 'messages.jsonl') });
    expect(jsonl).toEqual([
      {
        message: `git does not ignore --jsonl ${join(repo, 'messages.jsonl')}: \`git add .\` would stage patient data.`,
        hint: `Ignore it: \`echo /messages.jsonl >> ${join(repo, '.gitignore')}\`, or write it outside the repository.`,
      },
    ]);
    expect(await captureGitNotices({ jsonlFile: join(world.cwd, 'outside.jsonl'), outDir: join(world.cwd, 'plain') })).toEqual([]);
  });
});
