import { readFile } from 'node:fs/promises';
import { listCaptureFiles } from '../../capture/list-captures.js';
import { DEFAULT_LISTENER_URL } from '../../config/defaults.js';
import type { CommandInput } from '../../config/option-table.js';
import { usageError } from '../../errors.js';
import { MESSAGE_TIMEOUT_MS } from '../../metriport/types.js';
import type { ReplayEvent, ReplayResult } from '../../output/commands/replay.js';
import { describeParseFailure } from '../../output/words.js';
import { requireHttpUrl } from '../../util/http-url.js';
import { sendSigned } from '../../webhook/deliver.js';
import { parseBody } from '../../webhook/message.js';
import type { RunContext } from '../shared/run-command.js';
import { signingKey } from '../shared/signing-key.js';
import type { REPLAY_ARGUMENTS, REPLAY_OPTIONS } from './options.js';

export { renderReplay as render } from '../../output/commands/replay.js';

export type ReplayInput = CommandInput<typeof REPLAY_ARGUMENTS, typeof REPLAY_OPTIONS>;

/** The captured messages, every file checked first, sent in arrival order with their exact bytes and a new signature. */
export async function run({ args, flags }: ReplayInput, context: RunContext<ReplayEvent>): Promise<ReplayResult> {
  const { paths } = args;
  const url = flags.to ?? DEFAULT_LISTENER_URL;
  requireHttpUrl({
    name: '--to',
    value: url,
    code: 'BAD_TO_URL',
    hint: 'Pass the listener or app URL, e.g. http://127.0.0.1:4747/webhook.',
  });
  const files = await listCaptureFiles(paths);
  if (files.length === 0)
    throw usageError(
      'NOTHING_TO_REPLAY',
      `No capture files in ${paths.join(', ')}.`,
      'Pass the folder given to listen --out, or its .json files.',
    );
  // Every file is checked before anything is sent: a file that is no Metriport message is refused, with why.
  const captures = [];
  for (const file of files) {
    const body = await readFile(file);
    const parsed = parseBody(body);
    if (!parsed.ok)
      throw usageError(
        'NOT_A_CAPTURE',
        `${file} is not a captured message: ${describeParseFailure(parsed.reason)}.`,
        'Pass files that listen --out wrote, or the folder itself.',
      );
    if (parsed.body.type === 'unknown')
      throw usageError(
        'NOT_A_CAPTURE',
        `${file} is not a captured message: it has no meta.type.`,
        'Pass files that listen --out wrote, or the folder itself.',
      );
    captures.push({ file, body, type: parsed.body.type });
  }
  const key = await signingKey({ flags, context, purpose: 'nothing to sign the replayed messages with' });
  let failures = 0;
  let refusedAsUnsigned = 0;
  for (const { file, body, type } of captures) {
    // The exact bytes as captured; only the signature is new, since the key may differ from the original one.
    const result = await sendSigned({ url, body, webhookKey: key.value, timeoutMs: MESSAGE_TIMEOUT_MS });
    if (!result.ok) failures += 1;
    if (result.status === 401) refusedAsUnsigned += 1;
    context.emit({ type: 'sent', file, messageType: type, result });
  }
  return { url, count: captures.length, failures, refusedAsUnsigned, keyOrigin: key.origin, ok: failures === 0 };
}
