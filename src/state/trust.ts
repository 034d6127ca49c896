import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MwError } from '../errors.js';
import { fileError } from '../util/file-error.js';
import { quoteForShell } from '../util/shell.js';

/**
 * A state file must be the user's and writable by no one else: what it holds decides what the tool does (which
 * webhook URL is put back, which key the emulator signs with). `trusted` says what would be believed, `hint`
 * the way out; the file is never chmod-ed or chown-ed here: the user decides.
 */
export async function checkOwnership(
  path: string,
  uid: number | undefined,
  words: { file: string; trusted: string; hint: string },
): Promise<void> {
  if (uid === undefined) return;
  const info = await stat(path);
  const foreign = info.uid !== uid;
  if (!foreign && (info.mode & 0o022) === 0) return;
  throw new MwError(
    `${words.file} ${path} is ${foreign ? 'not owned by you' : 'writable by other users'}, so ${words.trusted} cannot be trusted.`,
    {
      code: 'STATE_FILE_UNTRUSTED',
      category: 'filesystem',
      hint: words.hint,
    },
  );
}

/**
 * The folder holds the state file, its lock and its temp files: whoever can write to it can remove the record
 * or put their own lock or file in its place. One of another user's, or writable by others, is refused like
 * such a file (it is never chmod-ed: the user decides).
 */
export async function checkFolder(dir: string, uid: number | undefined): Promise<void> {
  if (uid === undefined) return;
  const info = await stat(dir);
  const foreign = info.uid !== uid;
  if (!foreign && (info.mode & 0o022) === 0) return;
  const mode = (info.mode & 0o7777).toString(8).padStart(4, '0');
  throw new MwError(
    `The state folder ${dir} is ${foreign ? 'not owned by you' : `writable by other users (mode ${mode})`}, so the record of which webhook URL to put back could be removed or replaced there.`,
    {
      code: 'STATE_FOLDER_UNTRUSTED',
      category: 'filesystem',
      hint: foreign
        ? 'Set XDG_STATE_HOME to a folder of your own, or check that folder and remove it.'
        : `Check it, then run \`chmod 700 ${quoteForShell(dir)}\`, or set XDG_STATE_HOME to a folder of your own.`,
    },
  );
}

export function stateError(action: string, error: unknown): MwError {
  return fileError({
    action,
    error,
    code: 'STATE_FILE_FAILED',
    hint: 'Check that the state folder is writable, or set XDG_STATE_HOME to a writable folder.',
  });
}

/**
 * A state file's text once its folder and the file itself are found trustworthy; `undefined` when there is
 * none yet. Refusals are the checks' own errors; any other failure to read is a STATE_FILE_FAILED.
 */
export async function readTrustedFile(
  path: string,
  uid: number | undefined,
  words: { file: string; trusted: string; hint: string },
): Promise<string | undefined> {
  try {
    await checkFolder(dirname(path), uid);
    await checkOwnership(path, uid, words);
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (error instanceof MwError) throw error;
    throw stateError(`read ${path}`, error);
  }
}
