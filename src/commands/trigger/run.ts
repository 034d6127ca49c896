import { DEFAULT_LISTENER_URL } from '../../config/defaults.js';
import type { CommandInput } from '../../config/option-table.js';
import { type FlowName, faultsFor } from '../../emulator/medical/faults.js';
import { MwError, usageError } from '../../errors.js';
import { MESSAGE_TIMEOUT_MS, PING_TIMEOUT_MS } from '../../metriport/types.js';
import { NEXT } from '../../next-command.js';
import type { TriggerResult } from '../../output/commands/trigger.js';
import { applyOverride, OverrideError } from '../../samples/build-message.js';
import { hasFailedSample, listSampleTypes, loadSample, newSampleMessage } from '../../samples/samples.js';
import { requireHttpUrl } from '../../util/http-url.js';
import { closest } from '../../util/suggest.js';
import { sendSigned } from '../../webhook/deliver.js';
import { isPongFor } from '../../webhook/pong.js';
import { clientFromFlags } from '../shared/api-client.js';
import type { RunContext } from '../shared/run-command.js';
import { signingKey } from '../shared/signing-key.js';
import type { TRIGGER_ARGUMENTS, TRIGGER_OPTIONS } from './options.js';

export { renderTrigger as render } from '../../output/commands/trigger.js';

export type TriggerInput = CommandInput<typeof TRIGGER_ARGUMENTS, typeof TRIGGER_OPTIONS>;

/** A sample message of a type, signed and sent to a listener, or sent by the API (`--via-api`); or the list of types. */
export async function run({ args, flags }: TriggerInput, context: RunContext): Promise<TriggerResult> {
  const { type } = args;
  const types = listSampleTypes();
  if (flags.list) return { kind: 'types', types: types.map((name) => ({ type: name, hasFailed: hasFailedSample(name) })) };
  if (flags.flow !== undefined) return flow(args.type, flags, context);
  if (flags.faults !== undefined || flags.patient !== undefined)
    throw usageError('FLOW_FLAGS_WITHOUT_FLOW', '--faults and --patient only apply with --flow.', 'Add --flow <flow>, or drop them.');
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
  const shapes = [loadSample(type, 'completed'), loadSample(type, 'failed')].filter((shape) => shape !== undefined);
  for (const assignment of flags.set ?? []) {
    try {
      applyOverride(payload, assignment, shapes);
    } catch (error) {
      if (!(error instanceof OverrideError)) throw error;
      throw usageError('BAD_SET', `--set ${assignment}: ${error.message}.`, error.hint);
    }
  }
  const messageId = (payload.meta as { messageId: string }).messageId;
  return flags.viaApi ? viaApi({ type, messageId, payload, flags, context }) : direct({ type, messageId, payload, flags, context });
}

interface Sample {
  type: string;
  messageId: string;
  payload: Record<string, unknown>;
  flags: TriggerInput['flags'];
  context: RunContext;
}

async function direct({ type, messageId, payload, flags, context }: Sample): Promise<TriggerResult> {
  const key = await signingKey({ flags, context, purpose: 'nothing to sign the sample with' });
  const url = flags.to ?? DEFAULT_LISTENER_URL;
  const body = Buffer.from(JSON.stringify(payload));
  const isPing = typeof payload.ping === 'string';
  const result = await sendSigned({ url, body, webhookKey: key.value, timeoutMs: isPing ? PING_TIMEOUT_MS : MESSAGE_TIMEOUT_MS });
  // A ping succeeds only with the matching pong, as Metriport judges it.
  const badPong = isPing && result.ok && !isPongFor(result.responseText, payload.ping as string);
  return {
    kind: 'sent',
    type,
    messageId,
    url,
    ok: result.ok && !badPong,
    status: result.status,
    durationMs: result.durationMs,
    detail: badPong ? 'answered without the matching {"pong": …}' : result.detail,
    badPong,
    toGiven: flags.to !== undefined,
  };
}

async function viaApi({ type, payload, flags, context }: Sample): Promise<TriggerResult> {
  const client = clientFromFlags(flags, context);
  const answer = await client.sendSamplePayload(payload);
  // Metriport answers with the receiver's HTTP status as a number (a failed send is a 500 from the API).
  const ok = answer.status >= 200 && answer.status < 300;
  return {
    kind: 'sent-via-api',
    type,
    url: answer.url,
    ok,
    status: answer.status,
    durationMs: answer.durationMillis,
    detail: ok ? 'OK' : (answer.failure ?? `Request failed with status code ${answer.status}`),
    target: client.target.description,
  };
}

/** `--flow`: the emulator plays a whole flow for one patient, to its registered URL (the listener). */
async function flow(type: string | undefined, flags: TriggerInput['flags'], context: RunContext): Promise<TriggerResult> {
  const name = flags.flow as FlowName;
  const others = [
    type === undefined ? undefined : `a type (${type})`,
    flags.to === undefined ? undefined : '--to',
    (flags.set ?? []).length > 0 ? '--set' : undefined,
    flags.failed ? '--failed' : undefined,
    flags.viaApi ? '--via-api' : undefined,
    flags.webhookKey === undefined ? undefined : '--webhook-key',
  ].filter((item) => item !== undefined);
  if (others.length > 0) {
    throw usageError(
      'FLOW_CONFLICT',
      `--flow plays a whole flow through the emulator, so ${others.join(', ')} does not apply.`,
      'Drop them; the emulator sends the flow, signed with its key, to the URL registered with it (your listener).',
    );
  }
  const faults = (flags.faults ?? '')
    .split(',')
    .map((fault) => fault.trim())
    .filter(Boolean);
  const possible = faultsFor(name);
  for (const fault of faults) {
    if ((possible as string[]).includes(fault)) continue;
    const guess = closest(fault, possible);
    throw usageError(
      'UNKNOWN_FAULT',
      `--faults ${fault} is not a fault of the ${name} flow.`,
      `${guess === undefined ? '' : `Did you mean ${guess}? `}Its faults: ${possible.join(', ')}.`,
    );
  }
  const client = clientFromFlags(flags, context);
  const played = await client.playEmulatorFlow(name, { faults, patientId: flags.patient });
  return {
    kind: 'flow',
    played,
    target: client.target.description,
    ok: played.messages.every((message) => message.delivery === 'success'),
  };
}
