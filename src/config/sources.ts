/** Where a setting came from, so `--verbose` can say e.g. "webhook key from METRIPORT_WEBHOOK_KEY". */
export type ValueSource = 'flag' | 'env' | '.env' | 'default';

export interface Sourced<T> {
  value: T;
  source: ValueSource;
  /** The flag or variable name that supplied it. */
  origin: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Precedence, lowest first: `.env` file < environment < flag. Empty strings count as unset. */
export function pick(input: {
  flag: string | undefined;
  flagName: string;
  env: Env;
  dotenv: Env;
  envName: string;
}): Sourced<string> | undefined {
  if (input.flag !== undefined && input.flag !== '') return { value: input.flag, source: 'flag', origin: input.flagName };
  const fromEnv = input.env[input.envName];
  if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: 'env', origin: input.envName };
  const fromFile = input.dotenv[input.envName];
  if (fromFile !== undefined && fromFile !== '') return { value: fromFile, source: '.env', origin: `${input.envName} in .env` };
  return undefined;
}
