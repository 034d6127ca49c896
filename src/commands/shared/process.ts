import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import type { Env } from '../../config/sources.js';
import { processStartedAt } from '../../state/process-start.js';
import { fileError } from '../../util/file-error.js';
import { invocation } from './invocation.js';

/** What a command needs from the process, gathered in one place so engines never read it themselves. */
export interface CommandContext {
  env: Env;
  /** Values of a `.env` file in the working directory (empty when there is none). */
  dotenv: Env;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** How the user ran the CLI (`metriport-webhook`, `npx metriport-webhook`, `node bin/…`): hints use it. */
  invocation: string;
}

/** Commands report their exit code through this; only `cli.ts` exits. */
export type Done = (exitCode: number) => void;

export function processContext(): CommandContext {
  return {
    env: process.env,
    dotenv: readDotenv(process.cwd()),
    stdout: process.stdout,
    stderr: process.stderr,
    invocation: invocation(process.env),
  };
}

export function readDotenv(dir: string): Env {
  const file = join(dir, '.env');
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw fileError({ action: `read ${file}`, error, code: 'DOTENV_UNREADABLE', hint: 'Fix its permissions or remove it.' });
  }
  // An editor's byte-order mark would otherwise become part of the first variable's name.
  return parseEnv(content.replace(/^\uFEFF/, ''));
}

/**
 * Whether a process with this pid still runs (EPERM means it runs under another user) and, given `since`
 * (when it wrote what names it), is the same process: one that started later only reuses the pid of one
 * that ended. The start time is read where Linux shows it (`/proc`); elsewhere the pid alone decides.
 */
export function isProcessAlive(pid: number, since?: Date): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (since === undefined || Number.isNaN(since.getTime())) return true;
  const started = processStartedAt(pid);
  // /proc's times are in whole seconds and clock ticks: a little slack keeps a live listen from looking new.
  return started === undefined || started.getTime() <= since.getTime() + START_SLACK_MS;
}

const START_SLACK_MS = 2000;

/** A y/N question on the terminal; anything but y/yes is no. */
export async function askYesNo(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}

export function isInteractive(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}
