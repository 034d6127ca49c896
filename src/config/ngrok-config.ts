import { join } from 'node:path';
import type { Env } from './sources.js';

/**
 * Where the ngrok agent keeps its config (and `ngrok config add-authtoken` writes the token), newest
 * location first. Pure: the caller reads the files.
 */
export function ngrokConfigPaths(input: { env: Env; home: string; platform: NodeJS.Platform }): string[] {
  const { env, home, platform } = input;
  const paths: string[] = [];
  if (env.NGROK_CONFIG) paths.push(...env.NGROK_CONFIG.split(/[,]/).filter(Boolean));
  if (platform === 'darwin') paths.push(join(home, 'Library', 'Application Support', 'ngrok', 'ngrok.yml'));
  else if (platform === 'win32') paths.push(join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'ngrok', 'ngrok.yml'));
  else paths.push(join(env.XDG_CONFIG_HOME || join(home, '.config'), 'ngrok', 'ngrok.yml'));
  paths.push(join(home, '.ngrok2', 'ngrok.yml'));
  return paths;
}

/** The `authtoken:` of an ngrok.yml, v2 (top level) or v3 (under `agent:`). */
export function authtokenFromNgrokConfig(text: string): string | undefined {
  const match = /^\s*authtoken:\s*["']?([A-Za-z0-9_-]+)["']?\s*(?:#.*)?$/m.exec(text);
  return match?.[1];
}
