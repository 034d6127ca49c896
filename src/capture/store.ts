import { rename as renameCallback, writeFile as writeFileCallback, writeSync } from 'node:fs';
import { chmod, mkdir, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
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
  /** Exactly as received: what `--out` files hold and what JSON lines embed. */
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

const writeFileFast = promisify(writeFileCallback);
const renameFast = promisify(renameCallback);
const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/**
 * The `--json` / `--jsonl` line for a message, without the trailing newline. The payload is the received
 * JSON text itself, not a re-serialisation: nothing is rounded or reordered, and a payload nested too deeply
 * for JSON.stringify cannot break the line. In valid JSON a CR or LF byte can only be whitespace, so turning
 * them into spaces keeps the payload identical and the line one line.
 */
export function toJsonLine(record: Pick<CaptureRecord, 'receivedAt' | 'type' | 'messageId' | 'verifiedBy' | 'raw'>): string {
  const head = JSON.stringify({
    receivedAt: record.receivedAt.toISOString(),
    type: record.type,
    messageId: record.messageId ?? null,
    verifiedBy: record.verifiedBy,
  });
  const start = record.raw[0] === 0xef && record.raw[1] === 0xbb && record.raw[2] === 0xbf ? 3 : 0;
  const payload = record.raw.toString('utf8', start).replace(/[\r\n]/g, ' ');
  return `${head.slice(0, -1)},"payload":${payload}}`;
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
      // The callback API, promisified: fs/promises' writeFile costs several times more CPU per file
      // (FileHandle bookkeeping), which made --out the bottleneck (see BENCHMARKS.md).
      try {
        await writeFileFast(temp, record.raw, { mode: PRIVATE_FILE, flag: 'wx' });
        await renameFast(temp, join(dir, name));
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
  // Group commit: lines stored in the same tick go out in one synchronous append, and every caller's
  // promise resolves only after it. One write per batch keeps lines whole and syscalls few under a burst.
  let batch: Array<{ line: Buffer; done: () => void; failed: (error: unknown) => void }> = [];
  const flush = () => {
    const current = batch;
    batch = [];
    const data = Buffer.concat(current.map((entry) => entry.line));
    try {
      for (let written = 0; written < data.length; ) written += writeSync(fd, data, written);
      for (const entry of current) entry.done();
    } catch (error) {
      const failure = fileError(`append to ${file}`, error);
      for (const entry of current) entry.failed(failure);
    }
  };
  return {
    store(record: CaptureRecord) {
      const line = Buffer.from(`${toJsonLine(record)}\n`);
      return new Promise<void>((done, failed) => {
        if (batch.length === 0) setImmediate(flush);
        batch.push({ line, done, failed });
      });
    },
    async close() {
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
