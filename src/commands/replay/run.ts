import type { ReplayFlags } from './command.js';
import { readFile } from 'node:fs/promises';
import { listCaptureFiles } from '../../capture/read.js';
import { DEFAULT_LISTENER_URL } from '../../config/defaults.js';
import { pickWebhookKey, requireWebhookKey } from '../../config/webhook-key.js';
import { usageError } from '../../errors.js';
import { MESSAGE_TIMEOUT_MS } from '../../metriport/types.js';
import { parseBody } from '../../webhook/message.js';
import { sendSigned } from '../../webhook/send.js';
import { processContext } from '../shared/process.js';

export async function runReplayCommand(paths: string[], flags: ReplayFlags): Promise<number> {
  const context = processContext();
  const key = requireWebhookKey(pickWebhookKey(flags.webhookKey, context.env, context.dotenv), 'nothing to sign the replayed messages with');
  const files = await listCaptureFiles(paths);
  if (files.length === 0) throw usageError('NOTHING_TO_REPLAY', `No capture files in ${paths.join(', ')}.`, 'Pass the folder given to listen --out, or its .json files.');
  const url = flags.to ?? DEFAULT_LISTENER_URL;
  let failures = 0;
  for (const file of files) {
    // The exact bytes as captured; only the signature is new, since the key may differ from the original one.
    const body = await readFile(file);
    const parsed = parseBody(body);
    const type = parsed.ok ? parsed.body.type : 'unreadable';
    const result = await sendSigned({ url, body, webhookKey: key.value, timeoutMs: MESSAGE_TIMEOUT_MS });
    if (!result.ok) failures += 1;
    if (flags.json) {
      context.stdout.write(`${JSON.stringify({ file, type, ok: result.ok, status: result.status ?? null, durationMs: result.durationMs, detail: result.detail })}\n`);
    } else {
      context.stdout.write(`${result.status ?? 'ERR'} ${result.ok ? 'OK' : result.detail}  ${type}  ${file}  in ${result.durationMs} ms\n`);
    }
  }
  context.stderr.write(`Replayed ${files.length} message(s) to ${url}: ${files.length - failures} accepted, ${failures} failed.\n`);
  return failures === 0 ? 0 : 1;
}
