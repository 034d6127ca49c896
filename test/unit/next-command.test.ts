import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { type ApiFlags, apiHintFlags, apiNamingFlags, resolveApiConfig } from '../../src/config/api-config.js';
import type { NextCommand } from '../../src/next-command.js';
import { commandLine, hintSentence, shellWord } from '../../src/output/next-command.js';

/** What sh makes of a command line: its words, one per line, as a program would receive them. */
function wordsOf(line: string): string[] {
  return execFileSync('sh', ['-c', `printf '%s\\n' ${line}`], { encoding: 'utf8' })
    .split('\n')
    .slice(0, -1);
}

describe('suggested commands, rendered in one place', () => {
  it.each([
    ['metriport-webhook', 'metriport-webhook retry --wait --api-url http://127.0.0.1:4748'],
    ['npx metriport-webhook', 'npx metriport-webhook retry --wait --api-url http://127.0.0.1:4748'],
    ['node bin/metriport-webhook.js', 'node bin/metriport-webhook.js retry --wait --api-url http://127.0.0.1:4748'],
  ])('start with the CLI as it was run (%s)', (invocation, expected) => {
    const next: NextCommand = { command: 'retry', flags: { '--wait': true }, sameApi: true };
    expect(commandLine(next, { invocation, api: { '--api-url': 'http://127.0.0.1:4748' } })).toBe(expected);
  });

  it('quote every value so the shell hands it over unchanged', () => {
    const awkward = ["it's", 'two words', '$HOME', '`id`', 'a"b', '', 'back\\slash', '*', '--x=1', 'https://h.example/p?q=1&r=2'];
    const line = commandLine({ command: 'retry', args: awkward, flags: { '--to': "O'Brien's app" } }, { invocation: 'node bin/x.js' });
    expect(wordsOf(line)).toEqual(['node', 'bin/x.js', 'retry', ...awkward, '--to', "O'Brien's app"]);
    expect(shellWord('0195d9a0-aaaa-7bbb-8ccc-000000000001')).toBe('0195d9a0-aaaa-7bbb-8ccc-000000000001');
  });

  it('never pass a control character from outside to the terminal', () => {
    expect(commandLine({ command: 'retry', args: ['id\u001b[2J'] }, { invocation: 'metriport-webhook' })).toBe(
      "metriport-webhook retry 'id\\x1b[2J'",
    );
  });

  it("add the API's flags only to commands that talk to the same API, and a secret as what to fill in", () => {
    const api = { '--api-url': 'http://127.0.0.1:4748', '--api-key': { fillIn: 'your API key' } } as const;
    expect(commandLine({ command: 'key', flags: { '--show': true }, sameApi: true }, { invocation: 'metriport-webhook', api })).toBe(
      'metriport-webhook key --show --api-url http://127.0.0.1:4748 --api-key <your API key>',
    );
    expect(commandLine({ command: 'listen', flags: { '--emulator': true } }, { invocation: 'metriport-webhook', api })).toBe(
      'metriport-webhook listen --emulator',
    );
  });

  it("put an error's command where its hint says {next}, or after the hint", () => {
    const context = { invocation: 'npx metriport-webhook' };
    const next = { command: 'trigger', flags: { '--list': true } } as const;
    expect(hintSentence('Run {next} to see them.', next, context)).toBe('Run `npx metriport-webhook trigger --list` to see them.');
    expect(hintSentence('Pick one.', next, context)).toBe('Pick one. Run `npx metriport-webhook trigger --list`.');
    expect(hintSentence(undefined, next, context)).toBe('Run `npx metriport-webhook trigger --list`.');
    expect(hintSentence('Pick one.', undefined, context)).toBe('Pick one.');
  });
});

describe('the flags that reach the same API', () => {
  const flagsFor = (flags: Parameters<typeof resolveApiConfig>[0], env: Record<string, string> = {}, dotenv = {}) =>
    apiHintFlags(resolveApiConfig(flags, env, dotenv));

  it('repeat what was given as flags, the emulator key in full, a real key never', () => {
    expect(flagsFor({ apiUrl: 'http://127.0.0.1:4748/', apiKey: 'local-emulator' })).toEqual({
      '--api-url': 'http://127.0.0.1:4748',
      '--api-key': 'local-emulator',
    });
    expect(flagsFor({ env: 'production', apiKey: 'sk_live_abcdefghijklmnop' })).toEqual({
      '--env': 'production',
      '--api-key': { fillIn: 'your API key' },
    });
    // --env beats METRIPORT_API_URL only as a flag, so the suggestion keeps it.
    expect(flagsFor({ env: 'sandbox' }, { METRIPORT_API_URL: 'http://127.0.0.1:4748' })).toEqual({ '--env': 'sandbox' });
  });

  it('leave out what the environment or .env gives: it is still there when the suggestion runs', () => {
    expect(flagsFor({}, { METRIPORT_API_URL: 'http://127.0.0.1:4748', METRIPORT_API_KEY: 'k' })).toEqual({});
    expect(flagsFor({}, {}, { METRIPORT_ENV: 'production', METRIPORT_API_KEY: 'k' })).toEqual({});
  });
});

describe('the restore that recovers a URL names the API whatever chose it', () => {
  const restore: NextCommand = { command: 'restore', sameApi: true, nameApi: true };
  const line = (flags: Parameters<typeof resolveApiConfig>[0], env: Record<string, string> = {}, dotenv: Record<string, string> = {}) => {
    const config = resolveApiConfig(flags, env, dotenv);
    return commandLine(restore, { invocation: 'mw', api: apiHintFlags(config), namedApi: apiNamingFlags(config) });
  };

  it.each([
    [
      '--api-url, key from the environment',
      { apiUrl: 'http://127.0.0.1:4748' },
      { METRIPORT_API_KEY: 'sk_real_key_123456' },
      'mw restore --api-url http://127.0.0.1:4748',
    ],
    [
      'METRIPORT_API_URL (maybe typed before the command, gone in the next shell)',
      {},
      { METRIPORT_API_URL: 'http://127.0.0.1:4748/', METRIPORT_API_KEY: 'k' },
      'mw restore --api-url http://127.0.0.1:4748',
    ],
    ['--env production', { env: 'production' }, {}, 'mw restore --env production'],
    ['METRIPORT_ENV=production', {}, { METRIPORT_ENV: 'production' }, 'mw restore --env production'],
    ['the default sandbox', {}, {}, 'mw restore'],
    [
      "the emulator's public key from the environment",
      { apiUrl: 'http://127.0.0.1:4748' },
      { METRIPORT_API_KEY: 'local-emulator' },
      'mw restore --api-url http://127.0.0.1:4748 --api-key local-emulator',
    ],
    [
      'a real key as a flag: what to fill in',
      { env: 'production', apiKey: 'sk_real_key_123456' },
      {},
      'mw restore --env production --api-key <your API key>',
    ],
  ])('%s', (_situation, flags, env, expected) => {
    expect(line(flags as ApiFlags, env)).toBe(expected);
  });

  it('a .env file holding the API URL is named too, and other suggestions still repeat only flags', () => {
    expect(line({}, {}, { METRIPORT_API_URL: 'http://127.0.0.1:4748', METRIPORT_API_KEY: 'k' })).toBe(
      'mw restore --api-url http://127.0.0.1:4748',
    );
    const config = resolveApiConfig({}, { METRIPORT_API_URL: 'http://127.0.0.1:4748' }, {});
    const hints = { invocation: 'mw', api: apiHintFlags(config), namedApi: apiNamingFlags(config) };
    expect(commandLine({ command: 'status', sameApi: true }, hints)).toBe('mw status');
  });
});
