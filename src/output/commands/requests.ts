import type { ChalkInstance } from 'chalk';
import type { WebhookRequestRow } from '../../metriport/types.js';
import { commandLine } from '../next-command.js';
import type { Renderer } from '../render.js';
import { jsonLine, visible } from '../visible.js';

/** The requests found, newest first, and what they were filtered by (for the sentence under them). */
export interface RequestsResult {
  rows: WebhookRequestRow[];
  target: string;
  /** `typeUnknown`: the `--type` matches no type Metriport sends today, with the likeliest one meant. */
  filter: { failed: boolean; type: string | undefined; typeUnknown?: { guess: string | undefined } | undefined };
}

export const renderRequests: Renderer<RequestsResult> = {
  result({ rows, target, filter }, view) {
    const typeNote =
      filter.typeUnknown === undefined
        ? ''
        : `${unknownTypeNote(filter.type ?? '', filter.typeUnknown.guess, commandLine({ command: 'trigger', args: ['--list'] }, view.hints))}\n`;
    if (view.json) return { stdout: rows.map((row) => jsonLine(row)).join(''), ...(typeNote === '' ? {} : { stderr: typeNote }) };
    const what = [filter.failed ? 'failed' : undefined, filter.type].filter(Boolean).join(' ');
    const which = what === '' ? '' : `${what} `;
    // The newest failed one is the likeliest to be resent; its id makes the suggestion runnable as printed.
    const example = rows.find((row) => row.status === 'failure') ?? rows[0];
    const summary =
      example === undefined
        ? `No ${which}webhook requests at ${target}.`
        : `${rows.length} ${which}request(s) at ${target}, newest first. Resend one with \`${commandLine({ command: 'retry', args: [example.id], sameApi: true }, view.hints)}\`.`;
    return { stdout: rows.map((row) => `${formatRequestRow(row, view.out)}\n`).join(''), stderr: `${summary}\n${typeNote}` };
  },
};

function unknownTypeNote(type: string, guess: string | undefined, listTypes: string): string {
  const meant = guess === undefined ? '' : ` Did you mean --type ${visible(guess)}?`;
  return `--type ${visible(type)} matches no type Metriport sends today (a type in full, or a prefix ending in a dot).${meant} \`${listTypes}\` lists them.`;
}

/** One `requests` line: time, status (and HTTP status), type, id (the messageId), and why it failed. */
export function formatRequestRow(row: WebhookRequestRow, palette: ChalkInstance): string {
  const colour = row.status === 'success' ? palette.green : row.status === 'failure' ? palette.red : palette.yellow;
  const parts = [
    palette.dim(visible(row.createdAt)),
    colour(visible(row.status).padEnd(10)),
    (row.httpStatus === null ? '-' : String(row.httpStatus)).padEnd(3),
    visible(row.type).padEnd(36),
    visible(row.id),
  ];
  if (row.status === 'failure' && row.statusDetail !== null) parts.push(palette.dim(`— ${visible(row.statusDetail)}`));
  return parts.join('  ');
}
