import { findWebhookRequests } from '../../account/webhook-requests.js';
import { usageError } from '../../errors.js';
import { colorLevel, createPalette } from '../../output/color.js';
import { formatRequestRow } from '../../output/requests.js';
import { createEventFilter } from '../../webhook/event-filter.js';
import { clientFromFlags } from '../shared/api-client.js';
import { processContext } from '../shared/process.js';
import type { RequestsFlags } from './command.js';

const DEFAULT_LIMIT = 20;

export async function runRequestsCommand(flags: RequestsFlags): Promise<number> {
  const context = processContext();
  const limit = flags.limit === undefined ? DEFAULT_LIMIT : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw usageError('BAD_LIMIT', `--limit ${JSON.stringify(flags.limit)} is not a positive whole number.`, 'Pass e.g. --limit 50.');
  const client = clientFromFlags(flags, context);
  const typeFilter = createEventFilter(flags.type === undefined ? [] : [flags.type]);
  const rows = await findWebhookRequests(client, {
    limit,
    matches: (row) => (!flags.failed || row.status === 'failure') && typeFilter(row.type),
  });
  if (flags.json) {
    context.stdout.write(rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
    return 0;
  }
  const palette = createPalette(colorLevel({ isTTY: context.stdout.isTTY === true, env: context.env }));
  context.stdout.write(rows.map((row) => `${formatRequestRow(row, palette)}\n`).join(''));
  const what = [flags.failed ? 'failed' : undefined, flags.type === undefined ? undefined : flags.type].filter(Boolean).join(' ');
  context.stderr.write(
    rows.length === 0
      ? `No ${what === '' ? '' : `${what} `}webhook requests at ${client.target.description}.\n`
      : `${rows.length} ${what === '' ? '' : `${what} `}request(s) at ${client.target.description}, newest first. Resend one with \`retry <id>\`.\n`,
  );
  return 0;
}
