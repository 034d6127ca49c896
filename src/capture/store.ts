import { mkdir, open, readdir, rename, rm, stat, chmod, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { MwError } from '../errors.js';
import type { VerifiedBy } from '../webhook/signature.js';
import { captureFileName, messageIdKeyOfFile } from './file-names.js';

/** One verified message, as it is written to `--jsonl` and printed by `--json`. */
export interface CaptureRecord {
  receivedAt: Date;
  type: string;
  messageId: string | undefined;
  verifiedBy: VerifiedBy;
  payload: unknown;
  raw: Buffer;
}

/** Where verified messages are kept. `store` resolves only once the message is complete on disk. */
export interface Capture {
  /** messageId keys already on disk when the capture opened (see `messageIdKey`). */
  readonly knownMessageIds: ReadonlySet<string>;
  store(record: CaptureRecord): Promise<void>;
  close(): Promise<void>;
}

export interface CaptureOptions {
  /** `--out`: folder for one file per message, holding the exact bytes received. */
  outDir?: string | undefined;
  /** `--jsonl`: file that gets one JSON line per message. */
  jsonlFile?: string | undefined;
}

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/** The `--json` / `--jsonl` line for a message, without the trailing newline. */
export function toJsonLine(record: Omit<CaptureRecord, 'raw'>): string {
  return JSON.stringify({
    receivedAt: record.receivedAt.toISOString(),
    type: record.type,
    messageId: record.messageId ?? null,
    verifiedBy: record.verifiedBy,
    payload: record.payload,
  });
}

export async function openCapture(options: CaptureOptions): Promise<Capture | undefined> {
  const parts: Array<{ store(record: CaptureRecord): Promise<void>; close(): Promise<void> }> = [];
  const knownMessageIds = new Set<string>();
  if (options.outDir !== undefined) parts.push(await openOutDir(options.outDir, knownMessageIds));
  if (options.jsonlFile !== undefined) parts.push(await openJsonl(options.jsonlFile));
  if (parts.length === 0) return undefined;
  return {
    knownMessageIds,
    async store(record) {
      await Promise.all(parts.map((part) => part.store(record)));
    },
    async close() {
      await Promise.all(parts.map((part) => part.close()));
    },
  };
}

async function openOutDir(dir: string, knownMessageIds: Set<string>) {
  await guard(`create the capture folder ${dir}`, () => mkdir(dir, { recursive: true, mode: PRIVATE_DIR }));
  const info = await guard(`read the capture folder ${dir}`, () => stat(dir));
  if (!info.isDirectory()) {
    throw new MwError(`--out ${dir} is not a folder.`, {
      code: 'OUT_NOT_A_FOLDER',
      category: 'usage',
      hint: 'Pass a folder path (it is created if missing).',
    });
  }
  // PHI: the folder is tightened even when it already existed, so other users cannot list message ids.
  if ((info.mode & 0o077) !== 0) await guard(`restrict the capture folder ${dir}`, () => chmod(dir, PRIVATE_DIR));
  for (const name of await guard(`list the capture folder ${dir}`, () => readdir(dir))) {
    const key = messageIdKeyOfFile(name);
    if (key !== undefined) knownMessageIds.add(key);
  }
  let sequence = 0;
  return {
    async store(record: CaptureRecord) {
      sequence += 1;
      const name = captureFileName({ ...record, sequence });
      // Temp names start with '.', so a reader of the folder never takes a half-written file for a message.
      const temp = join(dir, `.${name}.tmp`);
      try {
        await writeFile(temp, record.raw, { mode: PRIVATE_FILE, flag: 'wx' });
        await rename(temp, join(dir, name));
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
  // One write at a time, each a whole line, so concurrent deliveries never interleave inside a line.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    store(record: CaptureRecord) {
      const line = Buffer.from(`${toJsonLine(record)}\n`);
      const write = queue.then(() => handle.write(line));
      queue = write.catch(() => undefined);
      return write.then(
        () => undefined,
        (error: unknown) => {
          throw fileError(`append to ${file}`, error);
        },
      );
    },
    async close() {
      await queue;
      await handle.close();
    },
  };
}

async function guard<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw fileError(action, error);
  }
}

function fileError(action: string, error: unknown): MwError {
  const reason = (error as NodeJS.ErrnoException | undefined)?.code ?? String(error);
  return new MwError(`Could not ${action} (${reason}).`, {
    code: 'CAPTURE_WRITE_FAILED',
    category: 'filesystem',
    hint: 'Check that the path exists, is writable by you and has free space, or choose another with --out / --jsonl.',
    cause: error,
  });
}
