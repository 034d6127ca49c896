import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useCliWorlds } from '../helpers/cli-env.js';
import { BIN } from '../helpers/spawn-cli.js';

const run = promisify(execFile);
const worlds = useCliWorlds();

describe('the main job, as a person sees it (tmux)', () => {
  it('listen --emulator ends its start-up with the commands to run next still on the screen', async () => {
    const world = await worlds.newWorld();
    const session = `mw-${process.pid}-${Date.now()}`;
    const command = `cd ${world.cwd} && env -u NO_COLOR -u FORCE_COLOR HOME=${world.env.HOME} XDG_STATE_HOME=${world.env.XDG_STATE_HOME} ${process.execPath} ${BIN} listen --emulator --port 0`;
    await run('tmux', ['new-session', '-d', '-s', session, '-x', '150', '-y', '40', command]);
    worlds.onCleanup(() => run('tmux', ['kill-session', '-t', session]).catch(() => undefined));
    const screen = async () => (await run('tmux', ['capture-pane', '-p', '-t', session])).stdout;
    // The screen is read until the last message is in (the hints are said again after it, last).
    let shown = '';
    while (!/patient\.transfer[\s\S]*From another terminal:[\s\S]*retry --wait[\s\S]*Inspector \(/.test(shown)) shown = await screen();
    const last = shown.trimEnd().split('\n').slice(-12).join('\n');
    expect(last).toMatch(/From another terminal:/);
    expect(last).toMatch(/trigger patient\.admit --via-api --api-url http:\/\/127\.0\.0\.1:\d+ --api-key local-emulator/);
    expect(last).toMatch(/retry --wait --api-url/);
    expect(last).toMatch(/Inspector \(every request, its headers, replay\): http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+/);
    await run('tmux', ['send-keys', '-t', session, 'C-c']);
  });
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

  it('prints zsh and fish scripts too', async () => {
    const zsh = await run(process.execPath, [BIN, 'completion', 'zsh']);
    expect(zsh.stdout).toMatch(/bashcompinit[\s\S]*complete -o default -F _metriport_webhook metriport-webhook/);
    const fish = await run(process.execPath, [BIN, 'completion', 'fish']);
    expect(fish.stdout).toMatch(/complete -c metriport-webhook -n __fish_use_subcommand -a listen/);
    expect(fish.stdout).toMatch(/__fish_seen_subcommand_from listen' -l forward-to/);
  });
});
