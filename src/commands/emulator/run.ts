import { DEFAULT_EMULATOR_PORT } from '../../config/defaults.js';
import type { CommandInput } from '../../config/option-table.js';
import { requirePort } from '../../config/port.js';
import { startEmulator } from '../../emulator/app.js';
import { usageError } from '../../errors.js';
import { DEFAULT_EMULATOR_API_KEY } from '../../metriport/types.js';
import type { EmulatorCommandEvent } from '../../output/commands/emulator.js';
import { untilAborted } from '../../util/abort.js';
import { isLoopback } from '../../util/loopback.js';
import { parseDuration } from '../../util/units.js';
import type { RunContext } from '../shared/run-command.js';
import { stopOnSignals } from '../shared/signals.js';
import { emulatorStoreFor } from '../shared/state.js';
import type { EMULATOR_OPTIONS } from './options.js';

export { renderEmulator as render } from '../../output/commands/emulator.js';

export type EmulatorInput = CommandInput<[], typeof EMULATOR_OPTIONS>;

/** Metriport's settings and webhook API on this machine, until Ctrl-C. */
export async function run({ flags }: EmulatorInput, context: RunContext<EmulatorCommandEvent>): Promise<Record<string, never>> {
  const port = requirePort(flags.port ?? String(DEFAULT_EMULATOR_PORT));
  const apiKey = flags.apiKey ?? DEFAULT_EMULATOR_API_KEY;
  const host = flags.host ?? '127.0.0.1';
  const allowLocalUrls = flags.allowLocalUrls ?? false;
  const behaviour = emulatorBehaviour(flags);
  const store = emulatorStoreFor(context.env, apiKey, (problem) => context.emit({ type: 'state-damaged', at: new Date(), ...problem }));
  const stop = stopOnSignals({});
  try {
    const emulator = await startEmulator({
      host,
      port,
      apiKey,
      allowLocalUrls,
      store,
      reset: flags.reset === true,
      ...behaviour,
      onEvent: (event) => context.emit({ type: 'emulator', at: new Date(), event }),
    });
    if (!isLoopback(host)) context.emit({ type: 'exposed', at: new Date(), host });
    context.emit({ type: 'ready', url: emulator.url, apiKey, allowLocalUrls, keptIn: store.path, reset: flags.reset === true });
    await untilAborted(stop.signal);
    await emulator.close();
    return {};
  } finally {
    stop.dispose();
  }
}

/** `--webhook-key`, `--url-ttl`, `--delay`, `--seed`: checked, as the emulator's options. */
function emulatorBehaviour(flags: EmulatorInput['flags']) {
  const duration = (flag: '--url-ttl' | '--delay', text: string | undefined) => {
    if (text === undefined) return undefined;
    const ms = parseDuration(text, 'ms');
    if (ms === undefined)
      throw usageError('BAD_DURATION', `${flag} ${JSON.stringify(text)} is not a duration.`, 'Pass e.g. 5s, 1500ms or 2m.');
    return ms;
  };
  const seed = flags.seed === undefined ? undefined : Number(flags.seed);
  if (seed !== undefined && !Number.isSafeInteger(seed))
    throw usageError('BAD_SEED', `--seed ${JSON.stringify(flags.seed)} is not a whole number.`, 'Pass e.g. --seed 42.');
  return {
    webhookKey: flags.webhookKey,
    urlTtlMs: duration('--url-ttl', flags.urlTtl),
    flowDelayMs: duration('--delay', flags.delay),
    seed,
  };
}
