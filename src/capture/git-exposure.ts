import { execFile } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { prepareOutDir } from './capture.js';
import { captureFileName, isCaptureFileName } from './file-names.js';

/** Something to tell the user once, at start, about where their patient data is written. */
export interface CaptureNotice {
  message: string;
  hint: string;
}

/** How long one git command may take before the check gives up (and says nothing). */
const GIT_TIMEOUT_MS = 5000;

/**
 * Makes the `--out` folder ready (`prepareOutDir`: a `.gitignore` holding `*` unless it has one) and then asks
 * git, when the folder or the `--jsonl` file is inside a work tree, whether `git add .` would still take
 * captures: a `.gitignore` of the user's that does not cover them, the top of a work tree, files that are
 * tracked already, a `--jsonl` file that nothing ignores. Each case is one notice with the exact fix. Without
 * git, or outside a work tree, there is nothing to say.
 */
export async function captureGitNotices(capture: {
  outDir?: string | undefined;
  jsonlFile?: string | undefined;
}): Promise<CaptureNotice[]> {
  const notices: CaptureNotice[] = [];
  if (capture.outDir !== undefined) notices.push(...(await outDirNotices(capture.outDir)));
  if (capture.jsonlFile !== undefined) notices.push(...(await jsonlNotices(capture.jsonlFile)));
  return notices;
}

async function outDirNotices(dir: string): Promise<CaptureNotice[]> {
  const prepared = await prepareOutDir(dir);
  if (!(await insideWorkTree(dir))) return [];
  const notices: CaptureNotice[] = [];
  const probe = captureFileName({
    receivedAt: new Date(0),
    sequence: 1,
    type: 'medical.document-download',
    messageId: '00000000-0000-4000-8000-000000000000',
  });
  if (!(await ignored(dir, probe))) {
    notices.push(
      prepared.gitignore === 'top-of-work-tree'
        ? {
            message: `--out ${dir} is the top of a git work tree, and git does not ignore the captures there: \`git add .\` would stage patient data.`,
            hint: 'Use a folder of its own, e.g. --out captures (it gets a .gitignore holding *).',
          }
        : {
            message: `git does not ignore the captures in ${dir}: its .gitignore is not this tool's, and \`git add .\` would stage patient data.`,
            hint: `Add a line * at its end: \`echo '*' >> ${shellWord(join(dir, '.gitignore'))}\` (or use another --out folder).`,
          },
    );
  }
  // Captures committed before (by hand, or before this folder had its .gitignore) stay tracked whatever it says.
  const listed = ((await git(dir, ['ls-files', '-z', '--', '.'])) ?? '').split('\0').filter((name) => name !== '');
  const tracked = listed.filter(isCaptureFileName);
  if (tracked.length > 0) {
    // Only the captures: the user's own files in the folder (a README) stay tracked.
    const what = listed.every((name) => isCaptureFileName(name) || name === '.gitignore') ? dir : join(dir, '*_*_*_*.json');
    notices.push({
      message: `${tracked.length} capture(s) in ${dir} are tracked by git already (e.g. ${tracked[0]}): patient data in your commits.`,
      hint: `Stop tracking them: \`git rm -r --cached -- ${shellWord(what)}\`, then commit (earlier commits keep them until the history is rewritten).`,
    });
  }
  return notices;
}

async function jsonlNotices(file: string): Promise<CaptureNotice[]> {
  const dir = dirname(file);
  if (!(await insideWorkTree(dir))) return [];
  const name = basename(file);
  const tracked = (await git(dir, ['ls-files', '-z', '--', name]))?.split('\0').includes(name) === true;
  if (tracked) {
    return [
      {
        message: `--jsonl ${file} is tracked by git, so the patient data appended to it goes into your next commit.`,
        hint: `Stop tracking it: \`git rm --cached -- ${shellWord(file)}\` and ignore it: \`echo ${shellWord(`/${name}`)} >> ${shellWord(join(dir, '.gitignore'))}\`.`,
      },
    ];
  }
  if (await ignored(dir, name)) return [];
  return [
    {
      message: `git does not ignore --jsonl ${file}: \`git add .\` would stage patient data.`,
      hint: `Ignore it: \`echo ${shellWord(`/${name}`)} >> ${shellWord(join(dir, '.gitignore'))}\`, or write it outside the repository.`,
    },
  ];
}

async function insideWorkTree(dir: string): Promise<boolean> {
  return (await git(dir, ['rev-parse', '--is-inside-work-tree']))?.trim() === 'true';
}

/** Whether git's ignore rules (every .gitignore, info/exclude, core.excludesFile) cover `name` in `dir`. */
async function ignored(dir: string, name: string): Promise<boolean> {
  // --no-index: the rules only; a name that is not there yet is judged the same as one that is.
  return (await git(dir, ['check-ignore', '-q', '--no-index', '--', name])) !== undefined;
}

/** git's output, or `undefined` when it fails, exits non-zero, is missing or takes too long. */
function git(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: GIT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      resolve(error === null ? stdout : undefined);
    });
  });
}

/** A path as one shell word, so the printed command runs as shown. */
function shellWord(path: string): string {
  return /^[\w./@%+=:,-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
