import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  openSync,
  rename as renameCallback,
  renameSync,
  rmSync,
  writeFile as writeFileCallback,
  writeSync,
  writevSync,
} from 'node:fs';
import { chmod, type FileHandle, lstat, mkdir, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { MwError } from '../errors.js';
import { fileError as buildFileError } from '../util/file-error.js';
import { type MaybePromise, whenSettled } from '../util/maybe-promise.js';
import { perTurn } from '../util/per-turn.js';
import { jsonLineParts, type ReceivedMessage } from '../webhook/message.js';
import { captureFileName, messageIdKey, messageIdKeyOfFile } from './file-names.js';

/** What a capture needs of a message: its identity and the exact bytes received. */
export type CaptureRecord = Pick<ReceivedMessage, 'receivedAt' | 'type' | 'messageId' | 'verifiedBy' | 'raw'>;

/** The `--out` file name of a stored message (undefined without a folder), or a promise of it. */
export type Stored = MaybePromise<string | undefined>;

/** Where verified messages are kept. `store` returns (or resolves) only once the message is complete on disk. */
export interface Capture {
  /** messageId keys already on disk when the capture opened (see `messageIdKey`). */
  readonly knownMessageIds: ReadonlySet<string>;
  /**
   * Returns once the message is complete on disk, with its `--out` file name when there is a folder; a
   * promise when a write had to wait (a big file, or a `--jsonl` group commit). Throws, or rejects, when
   * it could not be stored.
   */
  store(record: CaptureRecord): Stored;
  close(): Promise<void>;
}

interface CapturePart {
  store(record: CaptureRecord): Stored;
  close(): Promise<void>;
}

export interface CaptureOptions {
  /** `--out`: folder for one file per message, holding the exact bytes received. */
  outDir?: string | undefined;
  /** `--jsonl`: file that gets one JSON line per message. */
  jsonlFile?: string | undefined;
  /** This user's id: an existing `--jsonl` file owned by someone else is refused (undefined: not checked). */
  uid?: number | undefined;
}

const writeFileFast = promisify(writeFileCallback);
const renameFast = promisify(renameCallback);
const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;
/** Bodies up to this size are written synchronously (see `openOutDir`). */
const SYNC_WRITE_LIMIT = 256 * 1024;

export async function openCapture(options: CaptureOptions): Promise<Capture | undefined> {
  const parts: CapturePart[] = [];
  const knownMessageIds = new Set<string>();
  if (options.outDir !== undefined) parts.push(await openOutDir(options.outDir, knownMessageIds));
  if (options.jsonlFile !== undefined) parts.push(await openJsonl(options.jsonlFile, options.uid));
  const [only] = parts;
  if (only === undefined) return undefined;
  if (parts.length === 1) return { knownMessageIds, store: (record) => only.store(record), close: () => only.close() };
  return { knownMessageIds, store: storeInAll(parts), close: async () => void (await Promise.all(parts.map((part) => part.close()))) };
}

/**
 * `--out` and `--jsonl` together. Per output, the messages it already holds: when one output fails and the
 * other succeeds, the 500 makes Metriport send it again, and the output that has it must not get it twice.
 */
function storeInAll(parts: readonly CapturePart[]): (record: CaptureRecord) => Stored {
  const held = parts.map(() => new Set<string>());
  return (record) => {
    const key = record.messageId === undefined ? undefined : messageIdKey(record.messageId);
    const results = parts.map((part, index): Stored => {
      const holds = held[index] as Set<string>;
      if (key !== undefined && holds.has(key)) return undefined;
      const kept = (name: string | undefined) => {
        if (key !== undefined) holds.add(key);
        return name;
      };
      try {
        return whenSettled(part.store(record), kept);
      } catch (error) {
        return Promise.reject(error);
      }
    });
    return Promise.allSettled(results).then((settled) => {
      const failed = settled.find((result) => result.status === 'rejected');
      if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
      return settled.map((result) => (result.status === 'fulfilled' ? result.value : undefined)).find((name) => name !== undefined);
    });
  };
}

/** What `prepareOutDir` found and did. */
export interface PreparedOutDir {
  /** The folder did not exist and was made (0700). */
  created: boolean;
  /**
   * `created`: the folder had no `.gitignore`, and now has one holding `*`. `kept`: it has one already (the
   * user's own is never changed; `captureGitNotices` checks that it ignores the captures). `top-of-work-tree`:
   * the folder holds `.git`, where a `*` would hide the whole repository from git: none is written.
   */
  gitignore: 'created' | 'kept' | 'top-of-work-tree';
}

const GITIGNORE = '# Captured webhooks hold patient data (PHI): never commit them.\n*\n';

/**
 * Makes `--out` ready: the folder exists and is 0700, and it holds a `.gitignore` that keeps its files out of
 * `git add .`, whatever the folder's history (made now, made by an earlier run whose `.gitignore` was lost,
 * made by the user). Idempotent: the command calls it to warn at start, and the capture again to open it.
 */
export async function prepareOutDir(dir: string): Promise<PreparedOutDir> {
  const existing = await stat(dir).catch(() => undefined);
  if (existing !== undefined && !existing.isDirectory()) {
    throw new MwError(`--out ${dir} is a file, not a folder.`, {
      code: 'OUT_NOT_A_FOLDER',
      category: 'usage',
      hint: 'Pass a folder path (it is created if missing), or move the file away.',
    });
  }
  if (existing === undefined) await createFolders(dir);
  let gitignore: PreparedOutDir['gitignore'] = 'kept';
  if ((await stat(join(dir, '.git')).catch(() => undefined)) !== undefined) gitignore = 'top-of-work-tree';
  else {
    try {
      // 'wx': a `.gitignore` already there (the user's, or a link) is never overwritten.
      await writeFile(join(dir, '.gitignore'), GITIGNORE, { mode: PRIVATE_FILE, flag: 'wx' });
      gitignore = 'created';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw fileError(`write ${join(dir, '.gitignore')}`, error);
    }
  }
  const info = await guard(`read the capture folder ${dir}`, () => stat(dir));
  // PHI: the folder is tightened even when it already existed, so other users cannot list message ids.
  if ((info.mode & 0o077) !== 0) await guard(`restrict the capture folder ${dir}`, () => chmod(dir, PRIVATE_DIR));
  return { created: existing === undefined, gitignore };
}

async function openOutDir(dir: string, knownMessageIds: Set<string>) {
  await prepareOutDir(dir);
  for (const name of await guard(`list the capture folder ${dir}`, () => readdir(dir))) {
    const key = messageIdKeyOfFile(name);
    if (key !== undefined) knownMessageIds.add(key);
    // A temp file left by a killed process was never acknowledged (the 2xx waits for the rename): drop it.
    else if (name.startsWith('.') && name.endsWith('.json.tmp')) await rm(join(dir, name), { force: true });
  }
  let sequence = 0;
  const folder = dir.endsWith(sep) ? dir : `${dir}${sep}`;
  return {
    store(record: CaptureRecord): Stored {
      sequence += 1;
      const name = captureFileName({ receivedAt: record.receivedAt, type: record.type, messageId: record.messageId, sequence });
      // Temp names start with '.', so a reader of the folder never takes a half-written file for a message.
      const temp = `${folder}.${name}.tmp`;
      const final = `${folder}${name}`;
      if (record.raw.length > SYNC_WRITE_LIMIT) return writeInBackground(temp, final, name, record.raw);
      // Small files are written synchronously: the thread-pool round trips of open/write/close/rename cost
      // three times the calls themselves (~40 µs against ~13 µs per file on tmpfs; BENCHMARKS.md), and the
      // event loop is held only for that long.
      let fd: number | undefined;
      try {
        fd = openSync(temp, 'wx', PRIVATE_FILE);
        for (let written = 0; written < record.raw.length; ) written += writeSync(fd, record.raw, written);
        closeSync(fd);
        fd = undefined;
        renameSync(temp, final);
        return name;
      } catch (error) {
        try {
          if (fd !== undefined) closeSync(fd);
          rmSync(temp, { force: true });
        } catch {
          // The write already failed; the error below says so (a leftover temp file is removed on the next start).
        }
        throw fileError(`write ${final}`, error);
      }
    },
    close: async () => undefined,
  };
}

/** A big body: the callback API, promisified (fs/promises' writeFile costs several times more CPU per file). */
async function writeInBackground(temp: string, final: string, name: string, raw: Buffer): Promise<string> {
  try {
    await writeFileFast(temp, raw, { mode: PRIVATE_FILE, flag: 'wx' });
    await renameFast(temp, final);
    return name;
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw fileError(`write ${final}`, error);
  }
}

async function openJsonl(file: string, uid: number | undefined) {
  const handle = await openJsonlFile(file, uid);
  const fd = handle.fd;
  // Where the last whole line ends: a failed append is cut back to it, so the file stays JSON lines.
  let size = fstatSync(fd).size;
  // Group commit: lines stored in the same turn of the event loop go out in one synchronous append, and the
  // batch's one promise settles only after it (a promise per line cost more than the write, BENCHMARKS.md):
  // syscalls stay few under a burst, and the answers of the batch then go out together. The lines' parts are
  // handed to one writev, so a payload is not copied on its way to the file (a 20 MB message).
  let batch: { written: Promise<undefined>; done: (value: undefined) => void; failed: (error: unknown) => void } | undefined;
  const lines = perTurn<Buffer>((parts) => {
    const current = batch;
    batch = undefined;
    const total = parts.reduce((sum, part) => sum + part.length, 0);
    try {
      const written = writevSync(fd, parts);
      // Node writes every part of a writev to a file, or throws; a short count is completed all the same.
      if (written < total) {
        const rest = Buffer.concat(parts).subarray(written);
        for (let more = 0; more < rest.length; ) more += writeSync(fd, rest, more);
      }
      size += total;
      current?.done(undefined);
    } catch (error) {
      try {
        ftruncateSync(fd, size);
      } catch {
        // The append already failed; the error below says so.
      }
      current?.failed(fileError(`append to ${file}`, error));
    }
  });
  return {
    store(record: CaptureRecord): Promise<undefined> {
      const { head, payload, end } = jsonLineParts(record);
      lines.add(Buffer.from(head));
      lines.add(payload);
      lines.add(end);
      if (batch === undefined) {
        let done: (value: undefined) => void = () => undefined;
        let failed: (error: unknown) => void = () => undefined;
        const written = new Promise<undefined>((resolve, reject) => {
          done = resolve;
          failed = reject;
        });
        batch = { written, done, failed };
      }
      return batch.written;
    },
    async close() {
      await handle.close();
    },
  };
}

/** Appending, never through a symbolic link, and never waiting on a pipe that nobody reads. */
const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * The `--jsonl` file, opened for appending: a new one is created 0600; an existing one must be a regular file
 * of this user's that only they can read (it is never chmod-ed: what the user made is theirs to change). A
 * symbolic link is never followed and a device, pipe or folder never written to: each is refused with what to
 * do instead. The checks are made on the opened file itself, so nothing swapped in meanwhile gets through.
 */
async function openJsonlFile(file: string, uid: number | undefined): Promise<FileHandle> {
  let handle: FileHandle;
  let created = true;
  try {
    // O_EXCL fails on anything at the path, a symbolic link included (it is not followed).
    handle = await open(file, APPEND | constants.O_CREAT | constants.O_EXCL, PRIVATE_FILE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw fileError(`create ${file}`, error);
    created = false;
    // Looked at before it is opened: opening a device or a pipe can do something by itself.
    const seen = await guard(`read ${file}`, () => lstat(file));
    if (!seen.isFile()) throw jsonlRefused(file, seen.isSymbolicLink() ? 'symlink' : 'not-a-file');
    try {
      handle = await open(file, APPEND);
    } catch (opening) {
      // ELOOP: it became a symbolic link since; ENXIO: a pipe with no reader.
      const code = (opening as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw jsonlRefused(file, 'symlink');
      if (code === 'ENXIO') throw jsonlRefused(file, 'not-a-file');
      throw fileError(`open ${file}`, opening);
    }
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw jsonlRefused(file, 'not-a-file');
    if (uid !== undefined && info.uid !== uid) throw jsonlRefused(file, 'not-yours');
    if (!created && (info.mode & 0o077) !== 0) throw jsonlRefused(file, 'open-to-others', info.mode & 0o777);
    return handle;
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error instanceof MwError ? error : fileError(`read ${file}`, error);
  }
}

function jsonlRefused(file: string, why: 'symlink' | 'not-a-file' | 'not-yours' | 'open-to-others', mode = 0): MwError {
  const text = {
    symlink: `--jsonl ${file} is a symbolic link, and captures are never written through one to another file`,
    'not-a-file': `--jsonl ${file} is not a regular file (a device, a pipe or a folder), so nothing is written to it`,
    'not-yours': `--jsonl ${file} belongs to another user, so patient data is not appended to it`,
    'open-to-others': `--jsonl ${file} can be read or written by other users (mode ${mode.toString(8).padStart(4, '0')}), and patient data is kept owner-only; it was left as it is`,
  }[why];
  return new MwError(`${text}.`, {
    code: 'JSONL_REFUSED',
    category: 'filesystem',
    hint:
      why === 'open-to-others'
        ? 'Tighten it (chmod 600) if it is yours to change, or pass a new file to --jsonl.'
        : 'Pass the path of a new file, or of a regular file of your own, to --jsonl.',
  });
}

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdir can loop without end where a parent refuses new
 * entries in odd ways (seen under /proc), so each missing level is made on its own and fails at once.
 */
async function createFolders(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let current = resolve(dir); ; current = dirname(current)) {
    if ((await stat(current).catch(() => undefined)) !== undefined) break;
    missing.unshift(current);
    if (dirname(current) === current) break;
  }
  for (const folder of missing) await guard(`create the capture folder ${folder}`, () => mkdir(folder, { mode: PRIVATE_DIR }));
}

async function guard<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw fileError(action, error);
  }
}

function fileError(action: string, error: unknown): MwError {
  return buildFileError({
    action,
    error,
    code: 'CAPTURE_WRITE_FAILED',
    hint: 'Check that the path exists, is writable by you and has free space, or choose another with --out / --jsonl.',
  });
}
