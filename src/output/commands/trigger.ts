import type { EmulatorFlowAnswer } from '../../metriport/types.js';
import { commandLine } from '../next-command.js';
import type { Renderer } from '../render.js';
import { jsonLine, visible } from '../visible.js';

/** `trigger --list`, a sample sent to a listener, or a sample the API was asked to send. */
export type TriggerResult =
  | { kind: 'types'; types: Array<{ type: string; hasFailed: boolean }> }
  /** `--flow`: what the emulator sent; `ok` when every message was delivered. */
  | { kind: 'flow'; played: EmulatorFlowAnswer; target: string; ok: boolean }
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
      /** The URL came from --to (else the default listener's). */
      toGiven: boolean;
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
      case 'flow': {
        const { played } = result;
        if (view.json) return { stdout: jsonLine(played) };
        const lines = played.messages.map((message) => {
          const notes = [
            message.duplicated ? 'duplicate delivery' : undefined,
            message.late ? 'late retry, URLs expired' : undefined,
          ].filter(Boolean);
          return `${message.httpStatus ?? '-'} ${message.delivery === 'success' ? 'OK' : 'failed'}  ${visible(message.type)}  ${visible(message.messageId)}${notes.length === 0 ? '' : `  (${notes.join(', ')})`}`;
        });
        const faults = played.faults.length === 0 ? '' : ` with ${played.faults.join(', ')}`;
        const patient = typeof played.patientId === 'string' ? ` for patient ${visible(played.patientId)}` : '';
        return {
          stdout: `${lines.join('\n')}${lines.length === 0 ? '' : '\n'}`,
          stderr: `${visible(played.flow)}${faults}${patient}, requestId ${visible(played.requestId)}: ${played.messages.length} message(s) sent by ${result.target}${played.stuck ? '; it stays processing: no completion will come' : ''}.\n`,
        };
      }
      case 'types':
        return { stdout: `${result.types.map(({ type, hasFailed }) => (hasFailed ? `${type}\t(also --failed)` : type)).join('\n')}\n` };
      case 'sent': {
        const { type, messageId, url, ok, status, durationMs, detail } = result;
        if (view.json) return { stdout: jsonLine({ type, messageId, url, ok, status: status ?? null, durationMs, detail }) };
        if (status === undefined) {
          // Slow is not absent: a timeout means something took the request and did not answer in time.
          if (/^timeout/.test(detail)) {
            return {
              stderr: `${url} took ${type} and did not answer within 5 s (${detail}): Metriport would count it failed. Answer first, then do the work.\n`,
            };
          }
          const listen = commandLine({ command: 'listen' }, view.hints);
          const where = result.toGiven
            ? 'Is your app or a listener running there?'
            : `Is \`${listen}\` running there? Pass --to for another URL.`;
          return { stderr: `Could not deliver ${type} to ${url} (${visible(detail)}). ${where}\n` };
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
