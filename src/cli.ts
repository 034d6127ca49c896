import { readFileSync } from 'node:fs';
import { checkCommand } from './commands/check/command.js';
import { completionCommand } from './commands/completion/command.js';
import { emulatorCommand } from './commands/emulator/command.js';
import { inspectCommand } from './commands/inspect/command.js';
import { keyCommand } from './commands/key/command.js';
import { listenCommand } from './commands/listen/command.js';
import { replayCommand } from './commands/replay/command.js';
import { requestsCommand } from './commands/requests/command.js';
import { restoreCommand } from './commands/restore/command.js';
import { retryCommand } from './commands/retry/command.js';
import { Command, CommanderError } from './commands/shared/commander.js';
import { invocation } from './commands/shared/invocation.js';
import { readDotenv } from './commands/shared/process.js';
import { statusCommand } from './commands/status/command.js';
import { triggerCommand } from './commands/trigger/command.js';
import { EXIT_CODES, isMwError } from './errors.js';
import { exitNow } from './exit.js';
import { DEFAULT_EMULATOR_API_KEY } from './metriport/types.js';
import { hintSentence } from './output/next-command.js';
import { visible } from './output/visible.js';
import { redactSecrets } from './util/secret.js';

/**
 * The edge of the program: builds the commander tree, runs it, and is the only place that turns errors into
 * messages and exit codes. Only commander is loaded up front; each command loads its engine when it runs.
 */
export function buildProgram(
  done: (exitCode: number) => void,
  output?: { writeOut(text: string): void; writeErr(text: string): void; width?: number },
) {
  const program = new Command('metriport-webhook')
    .description('Develop against Metriport webhooks on your laptop: receive, verify, inspect, store and replay them.')
    .version(readVersion(), '-v, --version', 'print the version')
    .option('--debug', 'print stack traces for errors')
    .option('--no-color', 'no colour in any output (as NO_COLOR=1 does)')
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
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
  if (output !== undefined) {
    program.configureOutput({
      writeOut: output.writeOut,
      writeErr: output.writeErr,
      getOutHelpWidth: () => output.width ?? 80,
      getErrHelpWidth: () => output.width ?? 80,
    });
  }
  const commands = [
    listenCommand(done),
    statusCommand(done),
    retryCommand(done),
    requestsCommand(done),
    keyCommand(done),
    restoreCommand(done),
    triggerCommand(done),
    replayCommand(done),
    checkCommand(done),
    inspectCommand(done),
    emulatorCommand(done),
    completionCommand(done),
  ];
  for (const command of commands) program.addCommand(command.copyInheritedSettings(program));
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  let exitCode = 0;
  // Read before any command runs: colour is decided from the environment, where NO_COLOR lives.
  if (argv.includes('--no-color')) {
    process.env.NO_COLOR = '1';
    delete process.env.FORCE_COLOR;
  }
  // A reader that went away (`… | head`) is not an error; commands that must clean up listen for it themselves.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' && process.stdout.listenerCount('error') === 1) exitNow(exitCode);
  });
  // A terminal that was closed (EIO) or a reader that went away (EPIPE) must never stop a command from finishing
  // what it owes, such as putting the webhook URL back after SIGHUP: what cannot be printed is dropped.
  process.stderr.on('error', () => undefined);
  const program = buildProgram((code) => {
    exitCode = code;
  });
  // 'beforeExit' fires only when nothing is left to wait for. Reaching it while a command still runs means a
  // promise can never settle: say so as an internal error instead of Node's silent exit 13.
  const unsettled = () => {
    process.stderr.write(
      'Error: internal error: the command stopped waiting on something that can never finish. Run again with --debug and report it as a bug.\n',
    );
    exitNow(EXIT_CODES.internal);
  };
  process.once('beforeExit', unsettled);
  try {
    if (argv.length <= 2) {
      program.outputHelp();
    } else {
      await program.parseAsync(argv as string[]);
    }
  } catch (error) {
    exitCode = reportError(error, { debug: argv.includes('--debug'), secrets: secretsIn(argv), invocation: invocation(process.env) });
  }
  process.off('beforeExit', unsettled);
  await flushed(process.stdout);
  await flushed(process.stderr);
  exitNow(exitCode);
}

/**
 * Waits until a stream has handed everything written to it to the system: a pipe takes its data in the
 * background, and process.exit drops what it has not taken yet (`requests --json | wc -l` saw 65,536 bytes
 * of 600 rows). A reader that went away ends the wait too.
 */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0 || !stream.writable) return Promise.resolve();
  return new Promise((resolve) => {
    stream.write('', () => resolve());
  });
}

const SECRET_FLAGS = ['--api-key', '--webhook-key', '--ngrok-authtoken'];
const SECRET_VARIABLES = ['METRIPORT_API_KEY', 'METRIPORT_WEBHOOK_KEY', 'NGROK_AUTHTOKEN'];

/**
 * Every secret this run could know, so that no error text, cause or stack can print one in full. The
 * emulator's default key is public, and suggested commands print it so that they run.
 */
function secretsIn(argv: readonly string[]): string[] {
  const secrets: string[] = [];
  argv.forEach((arg, index) => {
    const flag = SECRET_FLAGS.find((name) => arg === name || arg.startsWith(`${name}=`));
    if (flag === undefined) return;
    const value = arg === flag ? argv[index + 1] : arg.slice(flag.length + 1);
    if (value) secrets.push(value);
  });
  let dotenv: Record<string, string | undefined> = {};
  try {
    dotenv = readDotenv(process.cwd());
  } catch {
    // An unreadable .env holds no secret we could have printed.
  }
  for (const name of SECRET_VARIABLES) {
    for (const value of [process.env[name], dotenv[name]]) if (value) secrets.push(value);
  }
  return secrets.filter((secret) => secret.length >= 4 && secret !== DEFAULT_EMULATOR_API_KEY);
}

function reportError(error: unknown, options: { debug: boolean; secrets: string[]; invocation: string }): number {
  // Error texts can quote what an API or a peer sent: escaped for the terminal, secrets cut.
  const write = (text: string) => process.stderr.write(`${redactSecrets(text, options.secrets).split('\n').map(visible).join('\n')}`);
  const debug = options.debug;
  if (error instanceof CommanderError) {
    // commander has already printed its message; help and version are not failures.
    const benign = ['commander.helpDisplayed', 'commander.version', 'commander.help'];
    return benign.includes(error.code) ? 0 : EXIT_CODES.usage;
  }
  if (isMwError(error)) {
    const hint = hintSentence(error.hint, error.next, { invocation: options.invocation });
    // A stop the user asked for is no error: it says where it stopped and what is known.
    write(`${error.category === 'interrupted' ? '' : 'Error: '}${error.message}${hint === undefined ? '' : ` ${hint}`}\n`);
    if (debug && error.cause instanceof Error) write(`${error.cause.stack ?? String(error.cause)}\n`);
    if (debug) write(`${error.stack ?? ''}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  write(`Error: unexpected failure (${message}). Run again with --debug for details and report it as a bug.\n`);
  if (debug && error instanceof Error) write(`${error.stack ?? ''}\n`);
  return EXIT_CODES.internal;
}

function readVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
