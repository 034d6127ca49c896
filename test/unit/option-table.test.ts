import { describe, expect, expectTypeOf, it } from 'vitest';
import { Command } from '../../src/commands/shared/commander.js';
import { declareOptions } from '../../src/commands/shared/declare-options.js';
import { API_OPTIONS, type ApiFlags } from '../../src/config/api-options.js';
import { LISTEN_OPTIONS, type ListenFlags } from '../../src/config/listen/listen-options.js';
import type { ArgumentsOf, FlagsOf, OptionKey } from '../../src/config/option-table.js';

/** Every flag of a table given once, as a user would: a value for value flags (the first choice where there are choices). */
function everyFlag(table: readonly { flags: string; choices?: readonly string[] }[]): string[] {
  return table.flatMap((spec) => {
    const long = spec.flags.split(/[ ,]+/).find((word) => word.startsWith('--')) as string;
    return /[<[]/.test(spec.flags) ? [long, spec.choices?.[0] ?? 'x'] : [long];
  });
}

function parse(table: Parameters<typeof declareOptions>[1], argv: string[]): Record<string, unknown> {
  const command = new Command('t').exitOverride();
  declareOptions(command, table);
  command.parse(argv, { from: 'user' });
  return command.opts();
}

describe('option tables: commander and the derived types agree', () => {
  it('listen: every flag lands under the key and with the kind of value ListenFlags says (its 31 keys, no more)', () => {
    const keys = {
      emulator: true,
      publicUrl: true,
      tunnel: true,
      ngrokAuthtoken: true,
      ngrokDomain: true,
      register: true,
      keepUrl: true,
      yes: true,
      force: true,
      webhookKey: true,
      host: true,
      port: true,
      path: true,
      maxBody: true,
      events: true,
      out: true,
      jsonl: true,
      json: true,
      full: true,
      preview: true,
      verbose: true,
      inspectPort: true,
      inspect: true,
      forwardTo: true,
      header: true,
      forwardTimeout: true,
      forwardConcurrency: true,
      ack: true,
      env: true,
      apiUrl: true,
      apiKey: true,
    } satisfies Record<keyof ListenFlags, true>;
    const parsed = parse(LISTEN_OPTIONS, everyFlag(LISTEN_OPTIONS));
    expect(Object.keys(parsed).sort()).toEqual(Object.keys(keys).sort());
    expect(Object.keys(keys)).toHaveLength(31);
    expect(parsed).toMatchObject({ tunnel: false, preview: false, inspect: false, yes: true, header: ['x'], env: 'sandbox', port: 'x' });
  });

  it('defaults a repeatable flag to [] and collects each use; refuses a value outside the choices', () => {
    expect(parse(LISTEN_OPTIONS, []).header).toEqual([]);
    expect(parse(LISTEN_OPTIONS, ['--header', 'A: 1', '--header', 'B: 2']).header).toEqual(['A: 1', 'B: 2']);
    expect(() => parse(API_OPTIONS, ['--env', 'staging'])).toThrow(/Allowed choices are sandbox, production/);
  });

  it('derives keys and value types as commander does', () => {
    expectTypeOf<OptionKey<'--public-url <url>'>>().toEqualTypeOf<'publicUrl'>();
    expectTypeOf<OptionKey<'--no-tunnel'>>().toEqualTypeOf<'tunnel'>();
    expectTypeOf<OptionKey<'-y, --yes'>>().toEqualTypeOf<'yes'>();
    expectTypeOf<OptionKey<'--forward-concurrency <n>'>>().toEqualTypeOf<'forwardConcurrency'>();
    expectTypeOf<ListenFlags['header']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<ListenFlags['tunnel']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<ListenFlags['port']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ApiFlags['env']>().toEqualTypeOf<'sandbox' | 'production' | undefined>();
    type Table = readonly [{ flags: '--set <path=value>'; description: ''; repeatable: true }, { flags: '--list'; description: '' }];
    expectTypeOf<FlagsOf<Table>>().toEqualTypeOf<{ set?: string[] | undefined; list?: boolean | undefined }>();
    type Args = readonly [{ name: '<url>'; description: '' }, { name: '[id]'; description: '' }, { name: '<paths...>'; description: '' }];
    expectTypeOf<ArgumentsOf<Args>>().toEqualTypeOf<{ url: string; id: string | undefined; paths: string[] }>();
    type Shell = readonly [{ name: '<shell>'; description: ''; choices: readonly ['bash', 'zsh'] }];
    expectTypeOf<ArgumentsOf<Shell>>().toEqualTypeOf<{ shell: 'bash' | 'zsh' }>();
  });
});
