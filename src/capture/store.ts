import { fstatSync, ftruncateSync, rename as renameCallback, renameSync, writeFile as writeFileCallback, writeFileSync, writeSync } from 'node:fs';
import { chmod, mkdir, open, readdir, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { MwError } from '../errors.js';
import { fileError as buildFileError } from '../util/file-error.js';
import { type ReceivedMessage, jsonLineBytes } from '../webhook/message.js';
import { captureFileName, messageIdKey, messageIdKeyOfFile } from './file-names.js';

/** What a capture needs of a message: its identity and the exact bytes received. */
export type CaptureRecord = Pick<ReceivedMessage, 'receivedAt' | 'type' | 'messageId' | 'verifiedBy' | 'raw'>;

/** Where verified messages are kept. `store` resolves only once the message is complete on disk. */
export interface Capture {
  /** messageId keys already on disk when the capture opened (see `messageIdKey`). */
  readonly knownMessageIds: ReadonlySet<string>;
  /** Resolves once the message is complete on disk, with its `--out` file name when there is a folder. */
  store(record: CaptureRecord): Promise<string | undefined>;
  close(): Promise<void>;
}

export interface CaptureOptions {
  /** `--out`: folder for one file per message, holding the exact bytes received. */
  outDir?: string | undefined;
  /** `--jsonl`: file that gets one JSON line per message. */
  jsonlFile?: string | undefined;
}

const writeFileFast = promisify(writeFileCallback);
const renameFast = promisify(renameCallback);
const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;
/** Bodies up to this size are written synchronously (see `openOutDir`). */
const SYNC_WRITE_LIMIT = 256 * 1024;

export async function openCapture(options: CaptureOptions): Promise<Capture | undefined> {
  const parts: Array<{ store(record: CaptureRecord): Promise<string | undefined>; close(): Promise<void> }> = [];
  const knownMessageIds = new Set<string>();
  if (options.outDir !== undefined) parts.push(await openOutDir(options.outDir, knownMessageIds));
  if (options.jsonlFile !== undefined) parts.push(await openJsonl(options.jsonlFile));
  if (parts.length === 0) return undefined;
  // Per output, the messages it already holds: when one output fails and another succeeds, the 500 makes
  // Metriport send it again, and the output that has it must not get it twice.
  const held = parts.map(() => new Set<string>());
  return {
    knownMessageIds,
    async store(record) {
      const key = record.messageId === undefined ? undefined : messageIdKey(record.messageId);
      const results = await Promise.allSettled(
        parts.map(async (part, index) => {
          const holds = held[index] as Set<string>;
          if (key !== undefined && holds.has(key)) return undefined;
          const name = await part.store(record);
          if (key !== undefined) holds.add(key);
          return name;
        }),
      );
      const failed = results.find((result) => result.status === 'rejected');
      if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
      return results.map((result) => (result.status === 'fulfilled' ? result.value : undefined)).find((name) => name !== undefined);
    },
    async close() {
      await Promise.all(parts.map((part) => part.close()));
    },
  };
}

async function openOutDir(dir: string, knownMessageIds: Set<string>) {
  const existing = await stat(dir).catch(() => undefined);
  if (existing !== undefined && !existing.isDirectory()) {
    throw new MwError(`--out ${dir} is a file, not a folder.`, {
      code: 'OUT_NOT_A_FOLDER',
      category: 'usage',
      hint: 'Pass a folder path (it is created if missing), or move the file away.',
    });
  }
  if (existing === undefined) {
    await createFolders(dir);
    // A folder this tool made for PHI keeps it out of a repository's `git add .`.
    await guard(`write ${join(dir, '.gitignore')}`, () => writeFile(join(dir, '.gitignore'), '# Captured webhooks hold patient data (PHI): never commit them.\n*\n', { mode: PRIVATE_FILE, flag: 'wx' }));
  }
  const info = await guard(`read the capture folder ${dir}`, () => stat(dir));
  // PHI: the folder is tightened even when it already existed, so other users cannot list message ids.
  if ((info.mode & 0o077) !== 0) await guard(`restrict the capture folder ${dir}`, () => chmod(dir, PRIVATE_DIR));
  for (const name of await guard(`list the capture folder ${dir}`, () => readdir(dir))) {
    const key = messageIdKeyOfFile(name);
    if (key !== undefined) knownMessageIds.add(key);
    // A temp file left by a killed process was never acknowledged (the 2xx waits for the rename): drop it.
    else if (name.startsWith('.') && name.endsWith('.json.tmp')) await rm(join(dir, name), { force: true });
  }
  let sequence = 0;
  return {
    async store(record: CaptureRecord) {
      sequence += 1;
      const name = captureFileName({ ...record, sequence });
      // Temp names start with '.', so a reader of the folder never takes a half-written file for a message.
      const temp = join(dir, `.${name}.tmp`);
      try {
        if (record.raw.length <= SYNC_WRITE_LIMIT) {
          // Small files are written synchronously: the thread-pool round trips of open/write/close/rename cost
          // three times the calls themselves (~40 µs against ~13 µs per file on tmpfs; BENCHMARKS.md), and
          // the event loop is held only for that long.
          writeFileSync(temp, record.raw, { mode: PRIVATE_FILE, flag: 'wx' });
          renameSync(temp, join(dir, name));
          return name;
        }
        // The callback API, promisified: fs/promises' writeFile costs several times more CPU per file.
        await writeFileFast(temp, record.raw, { mode: PRIVATE_FILE, flag: 'wx' });
        await renameFast(temp, join(dir, name));
        return name;
      } catch (error) {
        await rm(temp, { force: true }).catch(() => undefined);
        throw fileError(`write ${join(dir, name)}`, error);
      }
    },
    close: async () => undefined,
  };
}

async function openJsonl(file: string) {
  const handle: FileHandle = await guard(`open ${file}`, () => open(file, 'a', PRIVATE_FILE));
  await guard(`restrict ${file}`, () => handle.chmod(PRIVATE_FILE));
  const fd = handle.fd;
  // Where the last whole line ends: a failed append is cut back to it, so the file stays JSON lines.
  let size = fstatSync(fd).size;
  // Group commit: lines stored in the same tick go out in one synchronous append, and every caller's
  // promise resolves only after it. One write per batch keeps lines whole and syscalls few under a burst.
  let batch: Array<{ line: Buffer; done: (value: undefined) => void; failed: (error: unknown) => void }> = [];
  const flush = () => {
    const current = batch;
    batch = [];
    const data = Buffer.concat(current.map((entry) => entry.line));
    try {
      for (let written = 0; written < data.length; ) written += writeSync(fd, data, written);
      size += data.length;
      for (const entry of current) entry.done(undefined);
    } catch (error) {
      try {
        ftruncateSync(fd, size);
      } catch {
        // The append already failed; the error below says so.
      }
      const failure = fileError(`append to ${file}`, error);
      for (const entry of current) entry.failed(failure);
    }
  };
  return {
    store(record: CaptureRecord) {
      const line = jsonLineBytes(record);
      return new Promise<undefined>((done, failed) => {
        if (batch.length === 0) setImmediate(flush);
        batch.push({ line, done, failed });
      });
    },
    async close() {
      await handle.close();
    },
  };
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
