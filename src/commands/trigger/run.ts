import { DEFAULT_LISTENER_URL } from '../../config/defaults.js';
import { MwError, usageError } from '../../errors.js';
import { MESSAGE_TIMEOUT_MS, PING_TIMEOUT_MS } from '../../metriport/types.js';
import { NEXT } from '../../next-command.js';
import { visible } from '../../output/visible.js';
import { applyOverride } from '../../samples/build-message.js';
import { hasFailedSample, listSampleTypes, newSampleMessage } from '../../samples/samples.js';
import { requireHttpUrl } from '../../util/http-url.js';
import { closest } from '../../util/suggest.js';
import { sendSigned } from '../../webhook/deliver.js';
import { isPongFor } from '../../webhook/pong.js';
import { clientFromFlags } from '../shared/api-client.js';
import { type CommandContext, processContext } from '../shared/process.js';
import { signingKey } from '../shared/signing-key.js';
import type { TriggerFlags } from './command.js';

export async function runTriggerCommand(type: string | undefined, flags: TriggerFlags): Promise<number> {
  const context = processContext();
  const types = listSampleTypes();
  if (flags.list) {
    context.stdout.write(`${types.map((name) => (hasFailedSample(name) ? `${name}\t(also --failed)` : name)).join('\n')}\n`);
    return 0;
  }
  const listTypes = { command: 'trigger', flags: { '--list': true } } as const;
  if (type === undefined)
    throw new MwError('Name the message type to send.', {
      code: 'NO_TYPE',
      category: 'usage',
      hint: `Run ${NEXT} to see them, e.g. trigger ${types[0]}.`,
      next: listTypes,
    });
  if (!types.includes(type)) {
    const guess = closest(type, types);
    throw guess === undefined
      ? usageError('UNKNOWN_TYPE', `There is no sample of "${type}".`, `Pick one of: ${types.join(', ')}.`)
      : new MwError(`There is no sample of "${type}".`, {
          code: 'UNKNOWN_TYPE',
          category: 'usage',
          hint: `Did you mean ${guess}? (${NEXT} shows them all)`,
          next: listTypes,
        });
  }
  if (flags.to !== undefined)
    requireHttpUrl({
      name: '--to',
      value: flags.to,
      code: 'BAD_TO_URL',
      hint: 'Pass the listener or app URL, e.g. http://127.0.0.1:4747/webhook.',
    });
  if (flags.failed && !hasFailedSample(type)) {
    throw usageError(
      'NO_FAILED_SAMPLE',
      `"${type}" has no failed outcome.`,
      `Types with one: ${types.filter(hasFailedSample).join(', ')}.`,
    );
  }
  if (type === 'ping' && flags.viaApi)
    throw usageError('PING_VIA_API', 'The API sends a ping only when the webhook URL changes.', 'Send it directly (drop --via-api).');
  const payload = newSampleMessage(type, new Date(), flags.failed ? 'failed' : 'completed');
  if (payload === undefined) throw usageError('UNKNOWN_TYPE', `There is no sample of "${type}".`, `Pick one of: ${types.join(', ')}.`);
  for (const assignment of flags.set ?? []) {
    try {
      applyOverride(payload, assignment);
    } catch (error) {
      throw usageError(
        'BAD_SET',
        `--set ${assignment}: ${(error as Error).message}.`,
        'Write it as path=value, e.g. --set meta.data.clinic=7.',
      );
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
  const key = await signingKey({ flags, context, purpose: 'nothing to sign the sample with' });
  const url = flags.to ?? DEFAULT_LISTENER_URL;
  const body = Buffer.from(JSON.stringify(payload));
  const isPing = typeof payload.ping === 'string';
  const result = await sendSigned({ url, body, webhookKey: key.value, timeoutMs: isPing ? PING_TIMEOUT_MS : MESSAGE_TIMEOUT_MS });
  // A ping succeeds only with the matching pong, as Metriport judges it.
  const badPong = isPing && result.ok && !isPongFor(result.responseText, payload.ping as string);
  const ok = result.ok && !badPong;
  const detail = badPong ? 'answered without the matching {"pong": …}' : result.detail;
  if (flags.json) {
    context.stdout.write(
      `${JSON.stringify({ type, messageId, url, ok, status: result.status ?? null, durationMs: result.durationMs, detail })}\n`,
    );
  } else if (result.status === undefined) {
    context.stderr.write(
      `Could not deliver ${type} to ${url} (${result.detail}). Is \`${context.invocation} listen\` running there? Pass --to for another URL.\n`,
    );
  } else {
    context.stdout.write(
      `${result.status} ${ok ? 'OK' : `failed${badPong ? ` (${detail})` : ''}`}  ${type}  ${messageId}  → ${url}  in ${result.durationMs} ms\n`,
    );
  }
  return ok ? 0 : 1;
}

async function viaApi({ type, payload, flags, context }: TriggerInput): Promise<number> {
  const client = clientFromFlags(flags, context);
  const answer = await client.sendSamplePayload(payload);
  // Metriport answers with the receiver's HTTP status as a number (a failed send is a 500 from the API).
  const ok = answer.status >= 200 && answer.status < 300;
  const detail = ok ? 'OK' : (answer.failure ?? `Request failed with status code ${answer.status}`);
  // The sample-payload endpoint reduces meta to {type}: the receiver gets no messageId.
  if (flags.json) {
    context.stdout.write(
      `${JSON.stringify({ type, messageId: null, url: answer.url, ok, status: answer.status, durationMs: answer.durationMillis, detail })}\n`,
    );
  } else {
    const took = answer.durationMillis === null ? '' : `  in ${answer.durationMillis} ms`;
    context.stdout.write(
      `${answer.status} ${ok ? 'OK' : `failed (${visible(detail)})`}  ${type}  (no messageId: sent by ${client.target.description})  → ${visible(answer.url)}${took}\n`,
    );
  }
  return ok ? 0 : 1;
}
