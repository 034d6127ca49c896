import { realpathSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join, relative } from 'node:path';
import { shellWord } from '../../output/next-command.js';

/**
 * How the user ran this CLI, so that every command the tool suggests runs as printed: `metriport-webhook`
 * when that name on PATH is this CLI (after `npm link` or a global install), `npx metriport-webhook` from a
 * project's node_modules, and `node bin/metriport-webhook.js` (relative to where they are) from a clone.
 * Pure; `invocation()` below feeds it the process's facts.
 */
export function describeInvocation(input: {
  script: string;
  cwd: string;
  pathDirs: readonly string[];
  resolve: (path: string) => string | undefined;
}): string {
  const { script, cwd } = input;
  const name = 'metriport-webhook';
  const real = input.resolve(script) ?? script;
  const isProjectBin = (dir: string) => basename(dir) === '.bin' && basename(dirname(dir)) === 'node_modules';
  const onPath = input.pathDirs.find((dir) => input.resolve(join(dir, name)) === real);
  // npx and npm scripts put a project's node_modules/.bin on PATH for their own run only: another terminal
  // reaches that copy through npx.
  if (onPath !== undefined && !isProjectBin(onPath)) return name;
  if (onPath !== undefined || isProjectBin(dirname(script))) return `npx ${name}`;
  const shown = isAbsolute(script) ? relative(cwd, script) : script;
  const path = shown.startsWith('..') || isAbsolute(shown) ? script : shown;
  return `node ${shellWord(path)}`;
}

export function invocation(env: Readonly<Record<string, string | undefined>>): string {
  const resolve = (path: string) => {
    try {
      return realpathSync(path);
    } catch {
      return undefined;
    }
  };
  return describeInvocation({
    script: process.argv[1] ?? 'metriport-webhook',
    cwd: process.cwd(),
    pathDirs: (env.PATH ?? '').split(delimiter).filter(Boolean),
    resolve,
  });
}
