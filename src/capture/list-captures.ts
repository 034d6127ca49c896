import type { Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileError } from '../util/file-error.js';

/** The capture files named by `paths`: files as given, folders expanded to their visible `.json` files in arrival order. */
export async function listCaptureFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    let info: Stats;
    try {
      info = await stat(path);
    } catch (error) {
      throw fileError({
        action: `read ${path}`,
        error,
        code: 'CAPTURE_NOT_FOUND',
        hint: 'Pass capture files or the folder given to listen --out.',
      });
    }
    if (info.isDirectory()) {
      // Only files: a folder that happens to be named *.json is not a capture.
      const entries = await readdir(path, { withFileTypes: true });
      const names = entries
        .filter((entry) => entry.isFile() && !entry.name.startsWith('.') && entry.name.endsWith('.json'))
        .map((entry) => entry.name);
      for (const name of names.sort()) files.push(join(path, name));
    } else {
      files.push(path);
    }
  }
  return files;
}
