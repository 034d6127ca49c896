import { type Command, Option, type OptionValues } from './commander.js';

/** `--env`, `--api-url`, `--api-key`: shared by every command that talks to Metriport's API. */
// biome-ignore lint/suspicious/noExplicitAny: any command, whatever its argument tuple
export function addApiOptions<Args extends any[], Opts extends OptionValues>(command: Command<Args, Opts>) {
  return command
    .addOption(
      new Option('--env <env>', 'Metriport environment (env: METRIPORT_ENV; default: sandbox)').choices(['sandbox', 'production'] as const),
    )
    .option('--api-url <url>', 'API base URL, e.g. a local emulator; wins over --env (env: METRIPORT_API_URL)')
    .option('--api-key <key>', 'Metriport API key (env: METRIPORT_API_KEY, also read from .env)');
}
