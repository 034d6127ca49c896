import { commandLine } from '../next-command.js';
import type { Renderer } from '../render.js';
import { jsonLine, visible } from '../visible.js';

/** `trigger --list`, a sample sent to a listener, or a sample the API was asked to send. */
export type TriggerResult =
  | { kind: 'types'; types: Array<{ type: string; hasFailed: boolean }> }
  | {
      kind: 'sent';
      type: string;
      messageId: string;
      url: string;
      ok: boolean;
      /** Absent when nothing answered. */
      status: number | undefined;
      durationMs: number;
      detail: string;
      /** A ping answered 2xx without the matching pong, which Metriport counts as failed. */
      badPong: boolean;
    }
  | {
      kind: 'sent-via-api';
      type: string;
      url: string;
      ok: boolean;
      status: number;
      durationMs: number | null;
      detail: string;
      /** The API that sent it. */
      target: string;
    };

export const renderTrigger: Renderer<TriggerResult> = {
  result(result, view) {
    switch (result.kind) {
      case 'types':
        return { stdout: `${result.types.map(({ type, hasFailed }) => (hasFailed ? `${type}\t(also --failed)` : type)).join('\n')}\n` };
      case 'sent': {
        const { type, messageId, url, ok, status, durationMs, detail } = result;
        if (view.json) return { stdout: jsonLine({ type, messageId, url, ok, status: status ?? null, durationMs, detail }) };
        if (status === undefined) {
          const listen = commandLine({ command: 'listen' }, view.hints);
          return {
            stderr: `Could not deliver ${type} to ${url} (${detail}). Is \`${listen}\` running there? Pass --to for another URL.\n`,
          };
        }
        const outcome = ok ? 'OK' : `failed${result.badPong ? ` (${detail})` : ''}`;
        return { stdout: `${status} ${outcome}  ${type}  ${messageId}  → ${url}  in ${durationMs} ms\n` };
      }
      case 'sent-via-api': {
        const { type, url, ok, status, durationMs, detail } = result;
        // The sample-payload endpoint reduces meta to {type}: the receiver gets no messageId.
        if (view.json) return { stdout: jsonLine({ type, messageId: null, url, ok, status, durationMs, detail }) };
        const took = durationMs === null ? '' : `  in ${durationMs} ms`;
        return {
          stdout: `${status} ${ok ? 'OK' : `failed (${visible(detail)})`}  ${type}  (no messageId: sent by ${result.target})  → ${visible(url)}${took}\n`,
        };
      }
    }
  },
};
