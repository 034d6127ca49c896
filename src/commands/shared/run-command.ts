import { apiHintFlags, apiNamingFlags, resolveApiConfig } from '../../config/api-config.js';
import type { ApiFlags } from '../../config/api-options.js';
import type { Env } from '../../config/sources.js';
import { isMwError } from '../../errors.js';
import { colorLevel, createPalette } from '../../output/color.js';
import type { CommandSummary } from '../../output/commands/completion.js';
import { apiFlags, type HintContext } from '../../output/next-command.js';
import type { OutputView, Printed, Renderer } from '../../output/render.js';
import { processContext } from './process.js';
import { lazySpinner } from './spinner.js';

/** What `run` gets from the process besides its input: no streams, since it prints nothing itself. */
export interface RunContext<Event = never> {
  env: Env;
  /** Values of a `.env` file in the working directory (empty when there is none). */
  dotenv: Env;
  /** Progress as data, printed as it comes by the command's renderer. */
  emit(event: Event): void;
  /** The program's commands and their flags (for `completion`). */
  commands(): CommandSummary[];
}

/**
 * A command that returns a result: `run` does the work and throws `MwError` when it cannot; `render` (from
 * `output/`) says it. Every command but `listen` is one.
 */
export interface ResultCommand<Input, Result, Event = never> {
  run(input: Input, context: RunContext<Event>): Promise<Result>;
  render: Renderer<Result, Event>;
}

/** A command that owns its output and returns its exit code (`listen`, a session with sinks and signals). */
export interface ExitCodeCommand<Input> {
  runToExitCode(input: Input): Promise<number>;
}

export interface EdgeOptions {
  /** The command's table holds the API options: its suggestions carry the flags that reached that API. */
  usesApi: boolean;
  commands(): CommandSummary[];
}

/**
 * The edge every command runs through: process context → `run` → render → exit code. Errors go on to
 * `cli.ts`, their suggested command completed with the flags that reach this run's API.
 */
export async function runCommand<Input extends { flags: object }>(
  // biome-ignore lint/suspicious/noExplicitAny: each command has its own result and event types
  command: ResultCommand<Input, any, any> | ExitCodeCommand<Input>,
  input: Input,
  options: EdgeOptions,
): Promise<number> {
  const context = processContext();
  const hints: HintContext = {
    invocation: context.invocation,
    ...(options.usesApi ? reachingTheSameApi(input.flags as ApiFlags, context) : {}),
  };
  if ('runToExitCode' in command) return command.runToExitCode(input).catch((error: unknown) => rethrow(error, hints));
  const json = (input.flags as { json?: boolean }).json === true;
  const view: OutputView = {
    json,
    out: createPalette(colorLevel({ isTTY: context.stdout.isTTY === true && !json, env: context.env })),
    err: createPalette(colorLevel({ isTTY: context.stderr.isTTY === true, env: context.env })),
    stdoutIsTTY: context.stdout.isTTY === true,
    hints,
  };
  const spinner = lazySpinner({ enabled: !json, stream: context.stderr });
  const print = (printed: Printed) => {
    if (printed.waiting !== undefined) spinner.update(printed.waiting);
    if (printed.stderr !== undefined && printed.stderr !== '') context.stderr.write(printed.stderr);
    if (printed.stdout !== undefined && printed.stdout !== '') context.stdout.write(printed.stdout);
  };
  const render = command.render as Renderer<unknown, unknown> & { event(event: unknown, view: OutputView): Printed };
  try {
    const result: unknown = await command.run(input, {
      env: context.env,
      dotenv: context.dotenv,
      emit: (event: unknown) => print(render.event(event, view)),
      commands: options.commands,
    });
    const printed = render.result(result, view);
    if (printed.waited !== undefined) await spinner.end(printed.waited);
    print(printed);
    // A result with `interrupted: true`: Ctrl-C stopped it after what it had done was printed (130, as a
    // shell reports a SIGINT). With `ok: false`: what the command did failed (the README's exit code 1).
    if ((result as { interrupted?: boolean }).interrupted === true) return 130;
    return (result as { ok?: boolean }).ok === false ? 1 : 0;
  } catch (error) {
    spinner.stop();
    return rethrow(error, hints);
  }
}

/** The flags that reached the API and those that name it, or none when they do not resolve (then `run` says why). */
function reachingTheSameApi(flags: ApiFlags, context: { env: Env; dotenv: Env }): Pick<HintContext, 'api' | 'namedApi'> {
  try {
    const config = resolveApiConfig(flags, context.env, context.dotenv);
    return { api: apiHintFlags(config), namedApi: apiNamingFlags(config) };
  } catch {
    return {};
  }
}

function rethrow(error: unknown, hints: HintContext): never {
  const next = isMwError(error) ? error.next : undefined;
  const flags = next?.sameApi === true ? apiFlags(next, hints) : undefined;
  if (!isMwError(error) || next === undefined || flags === undefined) throw error;
  throw error.withNext({ ...next, flags: { ...next.flags, ...flags }, sameApi: false });
}
