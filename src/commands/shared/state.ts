import { homedir } from 'node:os';
import type { Env } from '../../config/sources.js';
import { type EmulatorStateFile, emulatorStateFile } from '../../state/emulator-state-file.js';
import { fileStateStore } from '../../state/file-state-store.js';
import { emulatorStatePath, registrationFile, stateDir } from '../../state/paths.js';
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

/**
 * Where the emulator keeps the account its API key opens (0600 in the state folder), so a restarted
 * `listen --emulator` keeps its webhook key and an app's `.env` stays valid. `onDamaged`: a file that could not
 * be read was moved aside (the account then starts afresh).
 */
export function emulatorStoreFor(
  env: Env,
  apiKey: string,
  onDamaged: (problem: { path: string; keptAs: string }) => void,
): EmulatorStateFile {
  return emulatorStateFile(emulatorStatePath(stateDir(env, homedir()), apiKey), { uid: process.getuid?.(), onDamaged });
}
