import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readTrustedFile, stateError } from './trust.js';

/**
 * The emulated account on disk: one JSON file, mode 0600 in a 0700 folder, written whole to a fresh temp file
 * ('wx') and renamed over the old one, so a crash leaves the previous state or the new one, never half of
 * either. It has the shape of the emulator's `EmulatorStore` (`src/emulator/emulator-store.ts`); state/ does not
 * import the emulator, so the shape is repeated here and the compiler checks it where the two meet.
 */
export interface EmulatorStateFile {
  readonly path: string;
  load(): Promise<unknown>;
  save(snapshot: unknown): Promise<void>;
  clear(): Promise<void>;
}

export interface EmulatorStateFileOptions {
  /** This user's id: a file owned by someone else, or writable by others, is refused (undefined: not checked). */
  uid: number | undefined;
  /** Told when a damaged file was moved aside (the account then starts afresh). */
  onDamaged?: (problem: { path: string; keptAs: string }) => void;
}

const FORMAT = 'metriport-webhook emulator account';

export function emulatorStateFile(path: string, options: EmulatorStateFileOptions): EmulatorStateFile {
  // One write at a time, in call order: the last snapshot asked for is the one that stays.
  let writing: Promise<void> = Promise.resolve();

  async function load(): Promise<unknown> {
    const text = await readTrustedFile(path, options.uid, {
      file: "The emulator's state file",
      trusted: 'its webhook key',
      hint: 'Check it, then fix it (chown to you, chmod 600), remove it, or start afresh with `emulator --reset`.',
    });
    if (text === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const wrapper = parsed as { format?: unknown; snapshot?: unknown } | undefined;
    if (wrapper?.format !== FORMAT || wrapper.snapshot === undefined) {
      // Never deleted and never trusted: kept aside for the user.
      const keptAs = `${path}.damaged-${Date.now()}`;
      await rename(path, keptAs).catch((error: unknown) => {
        throw stateError(`move the damaged ${path} aside`, error);
      });
      options.onDamaged?.({ path, keptAs });
      return undefined;
    }
    return wrapper.snapshot;
  }

  async function write(snapshot: unknown): Promise<void> {
    try {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
      // A fresh file ('wx') gets mode 0600 at creation; umask can only take bits away.
      await writeFile(temp, `${JSON.stringify({ format: FORMAT, snapshot })}\n`, { mode: 0o600, flag: 'wx' });
      await rename(temp, path);
    } catch (error) {
      throw stateError(`write ${path}`, error);
    }
  }

  return {
    path,
    load,
    save(snapshot) {
      const next = writing.then(() => write(snapshot));
      writing = next.catch(() => undefined);
      return next;
    },
    clear() {
      const next = writing.then(async () => {
        try {
          await rm(path, { force: true });
        } catch (error) {
          throw stateError(`remove ${path}`, error);
        }
      });
      writing = next.catch(() => undefined);
      return next;
    },
  };
}
