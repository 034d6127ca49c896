import type { ChalkInstance } from 'chalk';
import type { WebhookRequestRow } from '../metriport/types.js';
import { visible } from './visible.js';

/** One `requests` line: time, status (and HTTP status), type, id (the messageId), and why it failed. */
export function formatRequestRow(row: WebhookRequestRow, palette: ChalkInstance): string {
  const colour = row.status === 'success' ? palette.green : row.status === 'failure' ? palette.red : palette.yellow;
  const parts = [
    palette.dim(visible(row.createdAt)),
    colour(row.status.padEnd(10)),
    (row.httpStatus === null ? '-' : String(row.httpStatus)).padEnd(3),
    visible(row.type).padEnd(36),
    visible(row.id),
  ];
  if (row.status === 'failure' && row.statusDetail !== null) parts.push(palette.dim(`— ${visible(row.statusDetail)}`));
  return parts.join('  ');
}
