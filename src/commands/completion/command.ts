import { defineCommand } from '../shared/define-command.js';
import { COMPLETION_ARGUMENTS } from './options.js';

export const completionCommand = defineCommand({
  name: 'completion',
  description: 'Print a shell completion script for bash, zsh or fish (commands, flags, message types).',
  args: COMPLETION_ARGUMENTS,
  options: [],
  helpText: `
Examples:
  $ source <(metriport-webhook completion bash)                       # bash, this shell
  $ metriport-webhook completion bash >> ~/.bashrc                     # bash, every shell
  $ metriport-webhook completion zsh > "\${fpath[1]}/_metriport-webhook"   # zsh
  $ metriport-webhook completion fish > ~/.config/fish/completions/metriport-webhook.fish`,
  load: () => import('./run.js'),
});
