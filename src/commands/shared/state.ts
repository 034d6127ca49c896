import { homedir } from 'node:os';
import type { Env } from '../../config/sources.js';
import { fileStateStore } from '../../state/file-state-store.js';
import { registrationFile, stateDir } from '../../state/paths.js';
import type { StateStore } from '../../state/state-store.js';
import { isProcessAlive } from './process.js';

/**
 * The registration records of `listen` for one API, where the CLI contract puts them (XDG state folder).
 * `force` (`--force`) also takes over a start-up lock whose holder has stopped touching it.
 */
export function stateStoreFor(env: Env, apiBaseUrl: string, options: { force?: boolean } = {}): StateStore {
  return fileStateStore(registrationFile(stateDir(env, homedir()), apiBaseUrl), {
    apiUrl: apiBaseUrl,
    uid: process.getuid?.(),
    pid: process.pid,
    isProcessAlive,
    force: options.force === true,
  });
}
