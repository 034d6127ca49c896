import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';
import { CommanderError } from '../../src/commands/shared/commander.js';

// Help is part of the interface: a change to it should be a deliberate one, reviewed in these files. The
// command tree is tested in-process; `test/e2e/listen.test.ts` runs `--help` and `--version` spawned.
const COMMANDS = [
  '',
  'listen',
  'status',
  'retry',
  'requests',
  'key',
  'restore',
  'trigger',
  'replay',
  'check',
  'inspect',
  'emulator',
  'completion',
];

async function run(args: string[]): Promise<{ out: string; err: string; code: string | undefined }> {
  let out = '';
  let err = '';
  const program = buildProgram(() => undefined, { writeOut: (text) => (out += text), writeErr: (text) => (err += text), width: 80 });
  try {
    await program.parseAsync(['node', 'metriport-webhook', ...args]);
    return { out, err, code: undefined };
  } catch (error) {
    if (error instanceof CommanderError) return { out, err, code: error.code };
    throw error;
  }
}

describe('--help', () => {
  it.each(COMMANDS)('for %j matches the checked-in text and shows examples', async (command) => {
    const result = await run(command === '' ? ['--help'] : [command, '--help']);
    expect(result.code).toBe('commander.helpDisplayed');
    expect(result.out).toContain('Examples:');
    await expect(result.out).toMatchFileSnapshot(`./__snapshots__/help-${command || 'main'}.txt`);
  });
});

describe('usage errors from the command tree', () => {
  it.each([
    [['listen', '--bogus'], 'commander.unknownOption', /unknown option '--bogus'/],
    [['lisen'], 'commander.unknownCommand', /Did you mean listen\?/],
    [['trigger', '--set'], 'commander.optionMissingArgument', /option '--set <path=value>' argument missing/],
    [['status', '--env', 'staging'], 'commander.invalidArgument', /Allowed choices are sandbox, production/],
  ])('%j → %s, with a suggestion where one helps', async (args, code, message) => {
    const result = await run(args);
    expect(result.code).toBe(code);
    expect(result.err).toMatch(message);
    expect(result.err).toContain('(add --help for usage and examples)');
  });
});
