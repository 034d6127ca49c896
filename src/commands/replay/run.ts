import { readFile } from 'node:fs/promises';
import { listCaptureFiles } from '../../capture/list-captures.js';
import { DEFAULT_LISTENER_URL } from '../../config/defaults.js';
import { usageError } from '../../errors.js';
import { MESSAGE_TIMEOUT_MS } from '../../metriport/types.js';
import { visible } from '../../output/visible.js';
import { describeParseFailure } from '../../output/words.js';
import { requireHttpUrl } from '../../util/http-url.js';
import { sendSigned } from '../../webhook/deliver.js';
import { parseBody } from '../../webhook/message.js';
import { processContext } from '../shared/process.js';
import { signingKey } from '../shared/signing-key.js';
import type { ReplayFlags } from './command.js';

export async function runReplayCommand(paths: string[], flags: ReplayFlags): Promise<number> {
  const context = processContext();
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
    if (flags.json) {
      context.stdout.write(
        `${JSON.stringify({ file, type, ok: result.ok, status: result.status ?? null, durationMs: result.durationMs, detail: result.detail })}\n`,
      );
    } else {
      context.stdout.write(
        `${result.status ?? 'ERR'} ${result.ok ? 'OK' : result.detail}  ${visible(type)}  ${file}  in ${result.durationMs} ms\n`,
      );
    }
  }
  context.stderr.write(`Replayed ${captures.length} message(s) to ${url}: ${captures.length - failures} accepted, ${failures} failed.\n`);
  if (refusedAsUnsigned > 0) {
    context.stderr.write(
      `${refusedAsUnsigned} refused with 401: the listener verifies with another key than ${key.origin}. Pass the one it uses (\`${context.invocation} key\` shows an account's).\n`,
    );
  }
  return failures === 0 ? 0 : 1;
}
