import { maskSecret } from '../../util/secret.js';
import { commandLine } from '../next-command.js';
import type { Renderer } from '../render.js';
import { jsonLine, visible } from '../visible.js';

/** The account's webhook key, and whether to print all of it (`--show`). */
export interface KeyResult {
  webhookKey: string;
  show: boolean;
  webhookUrl: string | null;
}

/** On stdout, so `$(… key --show)` works; masked unless asked. */
export const renderKey: Renderer<KeyResult> = {
  result({ webhookKey, show, webhookUrl }, view) {
    const shown = show ? webhookKey : maskSecret(webhookKey);
    if (view.json) return { stdout: jsonLine({ webhookKey: shown, masked: !show, webhookUrl }) };
    const showAll = commandLine({ command: 'key', flags: { '--show': true }, sameApi: true }, view.hints);
    return {
      stdout: `${visible(shown)}\n`,
      stderr: show ? undefined : `Masked; \`${showAll}\` prints all of it (a secret: keep it out of logs and shared terminals).\n`,
    };
  },
};
