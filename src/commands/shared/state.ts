import { homedir } from 'node:os';
import type { Env } from '../../config/sources.js';
import { fileStateStore } from '../../state/file-state-store.js';
import { registrationFile, stateDir } from '../../state/paths.js';
import type { StateStore } from '../../state/state-store.js';
import { isProcessAlive } from './process.js';

/** The registration records of `listen` for one API, where the CLI contract puts them (XDG state folder). */
export function stateStoreFor(env: Env, apiBaseUrl: string): StateStore {
  return fileStateStore(registrationFile(stateDir(env, homedir()), apiBaseUrl), {
    apiUrl: apiBaseUrl,
    uid: process.getuid?.(),
    pid: process.pid,
    isProcessAlive,
  });
}
