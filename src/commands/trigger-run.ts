import type { ApiFlags } from '../config/api-config.js';
import { DEFAULT_LISTENER_URL } from '../config/defaults.js';
import { pickWebhookKey, requireWebhookKey } from '../config/webhook-key.js';
import { usageError } from '../errors.js';
import { applyOverride } from '../fixtures/build-message.js';
import { listSampleTypes, newSampleMessage } from '../fixtures/samples.js';
import { MESSAGE_TIMEOUT_MS } from '../metriport/types.js';
import { deliver, metriportHeaders } from '../webhook/deliver.js';
import { clientFromFlags } from './api-client.js';
import { type CommandContext, processContext } from './context.js';

interface TriggerFlags extends ApiFlags {
  list?: boolean;
  to?: string;
  webhookKey?: string;
  set?: string[];
  viaApi?: boolean;
  json?: boolean;
}

export async function runTriggerCommand(type: string | undefined, flags: TriggerFlags): Promise<number> {
  const context = processContext();
  const types = listSampleTypes().filter((name) => name !== 'ping');
  if (flags.list) {
    context.stdout.write(`${types.join('\n')}\n`);
    return 0;
  }
  if (type === undefined) throw usageError('NO_TYPE', 'Name the message type to send.', `Run \`metriport-webhook trigger --list\` to see them, e.g. trigger ${types[0]}.`);
  const payload = newSampleMessage(type, new Date());
  if (payload === undefined || type === 'ping') {
    throw usageError('UNKNOWN_TYPE', `There is no sample of "${type}".`, `Pick one of: ${types.join(', ')}.`);
  }
  for (const assignment of flags.set ?? []) {
    try {
      applyOverride(payload, assignment);
    } catch (error) {
      throw usageError('BAD_SET', `--set ${assignment}: ${(error as Error).message}.`, 'Write it as path=value, e.g. --set meta.data.clinic=7.');
    }
  }
  const messageId = (payload.meta as { messageId: string }).messageId;
  return flags.viaApi ? viaApi({ type, messageId, payload, flags, context }) : direct({ type, messageId, payload, flags, context });
}

interface TriggerInput {
  type: string;
  messageId: string;
  payload: Record<string, unknown>;
  flags: TriggerFlags;
  context: CommandContext;
}

async function direct({ type, messageId, payload, flags, context }: TriggerInput): Promise<number> {
  const key = requireWebhookKey(pickWebhookKey(flags.webhookKey, context.env, context.dotenv), 'nothing to sign the sample with', ', or use --via-api to let the API sign it');
  const url = flags.to ?? DEFAULT_LISTENER_URL;
  const body = Buffer.from(JSON.stringify(payload));
  const result = await deliver({ url, body, headers: metriportHeaders(body, key.value), timeoutMs: MESSAGE_TIMEOUT_MS });
  if (flags.json) {
    context.stdout.write(`${JSON.stringify({ type, messageId, url, ok: result.ok, status: result.status ?? null, durationMs: result.durationMs, detail: result.detail })}\n`);
  } else if (result.status === undefined) {
    context.stderr.write(`Could not deliver ${type} to ${url} (${result.detail}). Is \`metriport-webhook listen\` running there? Pass --to for another URL.\n`);
  } else {
    context.stdout.write(`${result.status} ${result.ok ? 'OK' : 'failed'}  ${type}  ${messageId}  → ${url}  in ${result.durationMs} ms\n`);
  }
  return result.ok ? 0 : 1;
}

async function viaApi({ type, messageId, payload, flags, context }: TriggerInput): Promise<number> {
  const client = clientFromFlags(flags, context);
  const answer = await client.sendSamplePayload(payload);
  const ok = answer.status === 'success';
  if (flags.json) {
    context.stdout.write(`${JSON.stringify({ type, messageId, ...answer, ok })}\n`);
  } else {
    context.stdout.write(`${ok ? 'OK' : 'failed'}  ${type}  ${messageId}  → ${answer.url}  in ${answer.durationMillis} ms (sent by ${client.target.description})\n`);
  }
  return ok ? 0 : 1;
}
