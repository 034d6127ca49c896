import type { PostResult } from '../../webhook/deliver.js';
import { commandLine } from '../next-command.js';
import type { Renderer } from '../render.js';
import { jsonLine, visible } from '../visible.js';

/** How the replay went, for the summary after the messages. */
export interface ReplayResult {
  url: string;
  count: number;
  failures: number;
  /** Refused with 401: the listener verifies with another key than the one signed with. */
  refusedAsUnsigned: number;
  /** Where the signing key came from, e.g. `--webhook-key` or `the account (…)`. */
  keyOrigin: string;
  ok: boolean;
}

/** Each message as it is sent. */
export interface ReplayEvent {
  type: 'sent';
  file: string;
  messageType: string;
  result: PostResult;
}

export const renderReplay: Renderer<ReplayResult, ReplayEvent> = {
  event({ file, messageType, result }, view) {
    if (view.json) {
      return {
        stdout: jsonLine({
          file,
          type: messageType,
          ok: result.ok,
          status: result.status ?? null,
          durationMs: result.durationMs,
          detail: result.detail,
        }),
      };
    }
    return {
      // A file's name is anyone's: a folder received from elsewhere can name files with terminal sequences.
      stdout: `${result.status ?? 'ERR'} ${result.ok ? 'OK' : visible(result.detail)}  ${visible(messageType)}  ${visible(file)}  in ${result.durationMs} ms\n`,
    };
  },
  result(result, view) {
    const lines = [
      `Replayed ${result.count} message(s) to ${visible(result.url)}: ${result.count - result.failures} accepted, ${result.failures} failed.`,
    ];
    if (result.refusedAsUnsigned > 0) {
      const key = commandLine({ command: 'key', sameApi: true }, view.hints);
      lines.push(
        `${result.refusedAsUnsigned} refused with 401: the listener verifies with another key than ${result.keyOrigin}. Pass the one it uses (\`${key}\` shows an account's).`,
      );
    }
    return { stderr: `${lines.join('\n')}\n` };
  },
};
