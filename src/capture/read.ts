import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileError } from '../util/file-error.js';

/** The capture files named by `paths`: files as given, folders expanded to their visible `.json` files in arrival order. */
export async function listCaptureFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      throw fileError({ action: `read ${path}`, error, code: 'CAPTURE_NOT_FOUND', hint: 'Pass capture files or the folder given to listen --out.' });
    }
    if (info.isDirectory()) {
      const names = (await readdir(path)).filter((name) => !name.startsWith('.') && name.endsWith('.json')).sort();
      files.push(...names.map((name) => join(path, name)));
    } else {
      files.push(path);
    }
  }
  return files;
}
