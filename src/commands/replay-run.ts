import { readFile } from 'node:fs/promises';
import { listCaptureFiles } from '../capture/read.js';
import { DEFAULT_LISTENER_URL } from '../config/defaults.js';
import { pickWebhookKey, requireWebhookKey } from '../config/webhook-key.js';
import { usageError } from '../errors.js';
import { MESSAGE_TIMEOUT_MS } from '../metriport/types.js';
import { parseDelivery } from '../webhook/delivery.js';
import { deliver, metriportHeaders } from '../webhook/deliver.js';
import { processContext } from './context.js';

interface ReplayFlags {
  to?: string;
  webhookKey?: string;
  json?: boolean;
}

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
    const parsed = parseDelivery(body);
    const type = parsed.ok ? parsed.delivery.type : 'unreadable';
    const result = await deliver({ url, body, headers: metriportHeaders(body, key.value), timeoutMs: MESSAGE_TIMEOUT_MS });
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
