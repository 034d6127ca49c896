import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** `$XDG_STATE_HOME/metriport-webhook`, or `~/.local/state/metriport-webhook` (CLI contract). Pure. */
export function stateDir(env: { XDG_STATE_HOME?: string | undefined }, home: string): string {
  const base = env.XDG_STATE_HOME !== undefined && env.XDG_STATE_HOME !== '' ? env.XDG_STATE_HOME : join(home, '.local', 'state');
  return join(base, 'metriport-webhook');
}

/** One registration record per API, so listeners on sandbox and on an emulator never collide. */
export function registrationFile(dir: string, apiUrl: string): string {
  return join(dir, `registration-${createHash('sha256').update(apiUrl).digest('hex').slice(0, 16)}.json`);
}

/**
 * The emulated account the emulator keeps between runs: one per API key (an account is what its key opens, as
 * on Metriport), so `listen --emulator` (key `local-emulator`) and an `emulator --api-key …` never share one.
 */
export function emulatorStatePath(dir: string, apiKey: string): string {
  return join(dir, `emulator-account-${createHash('sha256').update(apiKey).digest('hex').slice(0, 16)}.json`);
}
