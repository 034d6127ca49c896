import { homedir } from 'node:os';
import { registrationFile, stateDir } from '../../config/paths.js';
import type { Env } from '../../config/sources.js';
import { fileStateStore, type StateStore } from '../../session/restore.js';
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
