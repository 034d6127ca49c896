/**
 * A command's flags and arguments as plain data: the one declaration from which commander is told about them
 * (`commands/shared/declare-options.ts`) and from which their parsed types are derived (below), so the two can
 * never drift apart. Nothing here imports commander: the tables load with `--help`, and pure resolvers
 * (`resolveListenConfig`) take the derived types.
 */

/** One flag, as commander spells it. */
export interface OptionSpec {
  /** `'--public-url <url>'` (takes a value), `'--no-tunnel'` (negates `tunnel`), `'-y, --yes'` (a switch). */
  readonly flags: string;
  readonly description: string;
  /** The `--help` heading it is listed under (default: "Options:"). */
  readonly group?: string;
  /** The only values accepted; commander refuses others with a usage error. */
  readonly choices?: readonly string[];
  /** May be given more than once: parsed into an array, `[]` when absent. */
  readonly repeatable?: boolean;
}

/** One positional argument: `'<url>'` (required), `'[id]'` (optional), `'<paths...>'` (one or more). */
export interface ArgumentSpec {
  readonly name: string;
  readonly description: string;
  readonly choices?: readonly string[];
}

export type OptionTable = readonly OptionSpec[];
export type ArgumentTable = readonly ArgumentSpec[];

type LongName<Flags extends string> = Flags extends `${string}--${infer Rest}`
  ? Rest extends `${infer Name} ${string}`
    ? Name
    : Rest
  : never;
type CamelCase<Text extends string> = Text extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : Text;

/** The key commander stores a flag under: `--public-url <url>` → `publicUrl`, `--no-tunnel` → `tunnel`. */
export type OptionKey<Flags extends string> =
  LongName<Flags> extends `no-${infer Negated}` ? CamelCase<Negated> : CamelCase<LongName<Flags>>;

type OptionValue<Spec extends OptionSpec> = Spec['repeatable'] extends true
  ? string[]
  : Spec['flags'] extends `${string}<${string}` | `${string}[${string}`
    ? Spec['choices'] extends readonly (infer Choice)[]
      ? Choice
      : string
    : boolean;

/**
 * The parsed flags of a table, as commander hands them over: a value flag is a string, a switch a boolean
 * (`false` for a given `--no-x`), a repeatable flag a string array; each absent until given.
 */
export type FlagsOf<Table extends OptionTable> = {
  [Spec in Table[number] as OptionKey<Spec['flags']>]?: OptionValue<Spec> | undefined;
};

type ArgumentKey<Name extends string> = Name extends `<${infer Inner}>` | `[${infer Inner}]`
  ? Inner extends `${infer Bare}...`
    ? Bare
    : Inner
  : never;
type ArgumentValue<Spec extends ArgumentSpec> = Spec['name'] extends `${string}...${string}`
  ? string[]
  : (Spec['choices'] extends readonly (infer Choice)[] ? Choice : string) | (Spec['name'] extends `[${string}` ? undefined : never);

/** The parsed positional arguments of a table, by name: `[id]` → `id: string | undefined`, `<paths...>` → `paths: string[]`. */
export type ArgumentsOf<Table extends ArgumentTable> = {
  [Spec in Table[number] as ArgumentKey<Spec['name']>]: ArgumentValue<Spec>;
};

/** What a command's `run` receives: its arguments and flags, typed from its tables. */
export interface CommandInput<Args extends ArgumentTable, Options extends OptionTable> {
  args: ArgumentsOf<Args>;
  flags: FlagsOf<Options>;
}

/** The same flags listed under another `--help` heading (the API options under listen's "The API:"). */
export function inGroup<const Table extends OptionTable>(
  group: string,
  table: Table,
): { [Index in keyof Table]: Table[Index] & { group: string } } {
  return table.map((spec) => ({ ...spec, group })) as { [Index in keyof Table]: Table[Index] & { group: string } };
}

/** The runtime twin of `ArgumentKey`: `<paths...>` → `paths`. */
export function argumentKey(name: string): string {
  return name
    .replace(/^[<[]/, '')
    .replace(/[>\]]$/, '')
    .replace(/\.\.\.$/, '');
}
