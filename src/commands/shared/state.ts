import { homedir } from 'node:os';
import { registrationFile, stateDir } from '../../config/paths.js';
import type { Env } from '../../config/sources.js';
import { type StateStore, fileStateStore } from '../../session/restore.js';

/** The registration record of `listen` for one API, where the CLI contract puts it (XDG state folder). */
export function stateStoreFor(env: Env, apiBaseUrl: string): StateStore {
  return fileStateStore(registrationFile(stateDir(env, homedir()), apiBaseUrl));
}
