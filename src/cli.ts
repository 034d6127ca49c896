import { readFileSync } from 'node:fs';
import { Command, CommanderError } from './commands/commander.js';
import { emulatorCommand } from './commands/emulator.js';
import { listenCommand } from './commands/listen.js';
import { replayCommand } from './commands/replay.js';
import { restoreCommand } from './commands/restore.js';
import { retryCommand } from './commands/retry.js';
import { statusCommand } from './commands/status.js';
import { triggerCommand } from './commands/trigger.js';
import { EXIT_CODES, isMwError } from './errors.js';

/**
 * The edge of the program: builds the commander tree, runs it, and is the only place that turns errors into
 * messages and exit codes. Only commander is loaded up front; each command loads its engine when it runs.
 */
export function buildProgram(done: (exitCode: number) => void): Command {
  const program = new Command('metriport-webhook')
    .description('Develop against Metriport webhooks on your laptop: receive, verify, inspect, store and replay them.')
    .version(readVersion(), '-v, --version', 'print the version')
    .option('--debug', 'print stack traces for errors')
    .exitOverride()
    .showSuggestionAfterError()
    .showHelpAfterError('(add --help for usage and examples)')
    .addHelpText(
      'after',
      `
Examples:
  $ metriport-webhook listen --emulator              try everything locally, no account needed
  $ metriport-webhook listen --public-url https://abc.trycloudflare.com
  $ metriport-webhook status
  $ metriport-webhook retry --wait
  $ metriport-webhook <command> --help`,
    );
  const commands = [
    listenCommand(done),
    statusCommand(done),
    retryCommand(done),
    restoreCommand(done),
    triggerCommand(done),
    replayCommand(done),
    emulatorCommand(done),
  ];
  for (const command of commands) program.addCommand(command.copyInheritedSettings(program));
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  let exitCode = 0;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    if (argv.length <= 2) {
      program.outputHelp();
    } else {
      await program.parseAsync(argv as string[]);
    }
  } catch (error) {
    exitCode = reportError(error, argv.includes('--debug'));
  }
  process.exit(exitCode);
}

function reportError(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) {
    // commander has already printed its message; help and version are not failures.
    const benign = ['commander.helpDisplayed', 'commander.version', 'commander.help'];
    return benign.includes(error.code) ? 0 : EXIT_CODES.usage;
  }
  if (isMwError(error)) {
    process.stderr.write(`Error: ${error.message}${error.hint === undefined ? '' : ` ${error.hint}`}\n`);
    if (debug && error.cause instanceof Error) process.stderr.write(`${error.cause.stack ?? String(error.cause)}\n`);
    if (debug) process.stderr.write(`${error.stack ?? ''}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`Error: unexpected failure (${message}). Run again with --debug for details and report it as a bug.\n`);
  if (debug && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
  return EXIT_CODES.internal;
}

function readVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
