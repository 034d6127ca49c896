import { Argument, Command } from '../shared/commander.js';
import type { Done } from '../shared/process.js';

export function completionCommand(done: Done) {
  return new Command('completion')
    .description('Print a shell completion script for bash, zsh or fish (commands, flags, message types).')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish'] as const))
    .addHelpText(
      'after',
      `
Examples:
  $ source <(metriport-webhook completion bash)                       # bash, this shell
  $ metriport-webhook completion bash >> ~/.bashrc                     # bash, every shell
  $ metriport-webhook completion zsh > "\${fpath[1]}/_metriport-webhook"   # zsh
  $ metriport-webhook completion fish > ~/.config/fish/completions/metriport-webhook.fish`,
    )
    .action(async (shell, _flags, command) => {
      const { runCompletionCommand } = await import('./run.js');
      done(await runCompletionCommand(shell, command.parent ?? command));
    });
}
