import { execFile, spawnSync } from 'node:child_process';
import { cp, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EMULATOR_PORT } from '../../src/config/defaults.js';
import { useCliWorlds } from '../helpers/cli-env.js';
import { BIN } from '../helpers/spawn-cli.js';

const run = promisify(execFile);
const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const worlds = useCliWorlds();

/**
 * The CLI as a clone at a long path holds it (what it runs: bin/, dist/, fixtures/, package.json; its
 * node_modules linked), so that every printed command is as long as a real user's can be.
 */
async function cloneAtLongPath(under: string): Promise<string> {
  const clone = join(
    under,
    'projects',
    'a-rather-long-folder-name-for-work',
    'integrations',
    'metriport-webhook-clone-for-the-terminal-test',
  );
  for (const part of ['bin', 'dist', 'fixtures', 'package.json']) await cp(join(ROOT, part), join(clone, part), { recursive: true });
  await symlink(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
  return join(clone, 'bin', 'metriport-webhook.js');
}

/** Holds a port on 127.0.0.1 for the rest of the test, if no one else does already (taken either way). */
async function holdPort(port: number): Promise<void> {
  const server = createServer();
  const held = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (held) worlds.onCleanup(() => new Promise((resolve) => server.close(resolve)));
}

describe('the main job, as a person sees it (tmux)', () => {
  // Whatever the clone's path, the port the emulator got and the terminal's width: one line per message, no line
  // the terminal has to wrap (so no id, URL or token is split), the commands to run next on the last screen.
  // Run from a clone at a long path with the emulator's default port taken, so printed commands are at their longest.
  for (const width of [80, 120]) {
    it(`listen --emulator at ${width} columns: one line per message, nothing wrapped, the footnote once, the commands last`, async () => {
      const world = await worlds.newWorld();
      const bin = await cloneAtLongPath(world.cwd);
      await holdPort(DEFAULT_EMULATOR_PORT);
      const session = `mw-${process.pid}-${Date.now()}-${width}`;
      const quoted = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
      const env = `env -u NO_COLOR -u FORCE_COLOR HOME=${quoted(world.env.HOME)} XDG_STATE_HOME=${quoted(world.env.XDG_STATE_HOME)}`;
      const command = `cd ${quoted(world.cwd)} && ${env} ${quoted(process.execPath)} ${quoted(bin)} listen --emulator --port 0 --inspect-port 0`;
      await run('tmux', ['new-session', '-d', '-s', session, '-x', String(width), '-y', '50', command]);
      worlds.onCleanup(() => run('tmux', ['kill-session', '-t', session]).catch(() => undefined));
      // -J joins what the terminal wrapped: a logical line longer than the width is one the terminal had to wrap.
      const screen = async () => (await run('tmux', ['capture-pane', '-p', '-J', '-S', '-', '-t', session])).stdout;
      await expect
        .poll(screen, { timeout: 20_000 })
        .toMatch(/patient\.transfer[\s\S]*From another terminal:[\s\S]*retry --wait[\s\S]*Inspector \(every request[^\n]*:\s+http/);
      const shown = await screen();
      const lines = shown.split('\n').map((line) => line.trimEnd());
      // Only a single word wider than the terminal (the clone's path) may be wrapped by it, never split by us.
      expect(lines.filter((line) => [...line].length > width && !/^ *\S+( \\)?$/.test(line))).toEqual([]);
      // A message of a flow already shown points at its first (`↳ <id> +Δ`), as the conversion does at the download.
      const messages = lines.filter((line) => /^\d\d:\d\d:\d\d {2}[a-z.-]+ {2}[0-9a-f]{8}( ↳ [0-9a-f]{8} \+\S+ \S+)? {2}/.test(line));
      expect(messages.length).toBeGreaterThanOrEqual(19);
      // The tour's document download and conversion are one document query: the later points at the first.
      expect(messages.filter((line) => /medical\.document-(download|conversion) {2}[0-9a-f]{8} ↳ /.test(line))).toHaveLength(1);
      for (const line of messages) expect(line).toMatch(/→ 200$/);
      expect(shown.match(/--full shows whole payloads/g)).toHaveLength(1);
      // The commands printed last, continuation lines joined, carry the emulator's API and run as shown.
      const last = shown.slice(shown.lastIndexOf('From another terminal:')).replace(/ \\\n +/g, ' ');
      expect(last).toMatch(/trigger patient\.admit --via-api --api-url http:\/\/127\.0\.0\.1:\d+ --api-key local-emulator/);
      expect(last).toMatch(
        /node projects\/\S+\/metriport-webhook-clone-for-the-terminal-test\/bin\/metriport-webhook\.js trigger patient\.admit/,
      );
      expect(last).not.toContain(`127.0.0.1:${DEFAULT_EMULATOR_PORT} `);
      expect(last).toMatch(/retry --wait --api-url http:\/\/127\.0\.0\.1:\d+ --api-key local-emulator/);
      expect(shown).toMatch(/Inspector \(every request, its headers, replay\):\s+http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+/);
      // Pasted as shown (continuations and all) into sh, from the user's folder, the status command runs.
      const commands: string[][] = [];
      for (const line of shown.slice(shown.lastIndexOf('From another terminal:')).split('\n')) {
        const open = commands.at(-1);
        if (open !== undefined && (open.at(-1) ?? '').endsWith(' \\')) open.push(line);
        else if (/^ {2}node /.test(line)) commands.push([line]);
      }
      const pasted = commands.find((lines) => lines.join(' ').includes(' status ')) ?? [];
      const status = await run('sh', ['-c', pasted.join('\n')], { cwd: world.cwd, env: { ...process.env, ...world.env } });
      expect(status.stdout).toMatch(/^Webhook URL: /m);
      await run('tmux', ['send-keys', '-t', session, 'C-c']);
    });
  }
});

describe('shell completion', () => {
  it('completes commands, flags and message types in bash', () => {
    const script = `source <(${process.execPath} ${BIN} completion bash)
complete_for() { COMP_WORDS=("$@"); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); _metriport_webhook; echo "\${COMPREPLY[*]}"; }
complete_for metriport-webhook lis
complete_for metriport-webhook listen --forw
complete_for metriport-webhook trigger network-query.h`;
    const result = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    expect(result.stdout.split('\n')).toEqual([
      'listen',
      '--forward-to --forward-timeout --forward-concurrency',
      'network-query.hie network-query.hie.first-data-ready',
      '',
    ]);
  });

  it('completes values: message types for --events and requests --type, --env, check names, flows and faults', () => {
    const script = `source <(${process.execPath} ${BIN} completion bash)
complete_for() { COMP_WORDS=("$@"); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); _metriport_webhook; echo "\${COMPREPLY[*]}"; }
complete_for metriport-webhook requests --type patient.a
complete_for metriport-webhook listen --env ""
complete_for metriport-webhook listen --events medical.,network-query.h
complete_for metriport-webhook check http://127.0.0.1:3000/webhook --only raw
complete_for metriport-webhook trigger --flow net
complete_for metriport-webhook trigger --faults out-of-order,dup
complete_for metriport-webhook listen --out c`;
    const result = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    expect(result.stdout.split('\n')).toEqual([
      'patient.admit',
      'sandbox production',
      'medical.,network-query.hie medical.,network-query.hie.first-data-ready',
      'raw-bytes',
      'network-query',
      'out-of-order,duplicate',
      // A value with no known choices (a folder) is left to the shell's own completion: nothing inserted.
      '',
      '',
    ]);
  });

  it('run from a clone (node bin/…), the script names the CLI so completion works, and it runs', () => {
    const script = `source <(${process.execPath} ${BIN} completion bash)
metriport-webhook --version`;
    const result = spawnSync('bash', ['-c', script], { encoding: 'utf8', cwd: tmpdir() });
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('prints zsh and fish scripts too', async () => {
    const zsh = await run(process.execPath, [BIN, 'completion', 'zsh']);
    expect(zsh.stdout).toMatch(/bashcompinit[\s\S]*complete -o default -F _metriport_webhook metriport-webhook/);
    const fish = await run(process.execPath, [BIN, 'completion', 'fish']);
    expect(fish.stdout).toMatch(/complete -c metriport-webhook -n __fish_use_subcommand -a listen/);
    expect(fish.stdout).toMatch(/__fish_seen_subcommand_from listen' -l env -x -a 'sandbox production'/);
    expect(fish.stdout).toMatch(/__fish_seen_subcommand_from listen' -l forward-to/);
  });
});
