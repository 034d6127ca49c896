/**
 * A command the tool suggests running next, as data. Only `output/next-command.ts` turns one into text: with
 * the name the user ran the CLI by, values shell-quoted, and (with `sameApi`) the flags that reached the API
 * this run used, so that it runs as printed.
 */
export interface NextCommand {
  /** The subcommand, e.g. `retry`. */
  command: string;
  /** Its positional arguments, e.g. a request id. */
  args?: readonly string[];
  /** Flags in the order shown; `true` for a switch. */
  flags?: FlagMap;
  /**
   * Also pass the flags this run reached Metriport's API with (`--api-url`, `--env`, `--api-key`), filled in
   * where the command's flags are known (`commands/shared/run-command.ts`).
   */
  sameApi?: boolean;
  /**
   * With `sameApi`: name the API whatever chose it (`--api-url`, `--env`, from a flag, the environment or
   * `.env`), for a command run later and maybe from another shell, where the environment of this run is gone:
   * the `restore` that recovers a URL left registered.
   */
  nameApi?: boolean;
}

/** A value printed as it is; a switch; or what the user fills in, where printing the value would show a secret. */
export type FlagValue = string | true | { readonly fillIn: string };

export type FlagMap = Readonly<Record<`--${string}`, FlagValue>>;

/** Where an error's hint sentence names its `next` command: `run ${NEXT} once`. */
export const NEXT = '{next}';
