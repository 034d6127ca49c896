import { DEFAULT_EMULATOR_PORT } from '../../config/defaults.js';
import type { CommandInput } from '../../config/option-table.js';
import { requirePort } from '../../config/port.js';
import { startEmulator } from '../../emulator/app.js';
import { DEFAULT_EMULATOR_API_KEY } from '../../metriport/types.js';
import type { EmulatorCommandEvent } from '../../output/commands/emulator.js';
import { untilAborted } from '../../util/abort.js';
import { isLoopback } from '../../util/loopback.js';
import type { RunContext } from '../shared/run-command.js';
import { stopOnSignals } from '../shared/signals.js';
import type { EMULATOR_OPTIONS } from './options.js';

export { renderEmulator as render } from '../../output/commands/emulator.js';

export type EmulatorInput = CommandInput<[], typeof EMULATOR_OPTIONS>;

/** Metriport's settings and webhook API on this machine, until Ctrl-C. */
export async function run({ flags }: EmulatorInput, context: RunContext<EmulatorCommandEvent>): Promise<Record<string, never>> {
  const port = requirePort(flags.port ?? String(DEFAULT_EMULATOR_PORT));
  const apiKey = flags.apiKey ?? DEFAULT_EMULATOR_API_KEY;
  const host = flags.host ?? '127.0.0.1';
  const allowLocalUrls = flags.allowLocalUrls ?? false;
  const stop = stopOnSignals({});
  try {
    const emulator = await startEmulator({
      host,
      port,
      apiKey,
      allowLocalUrls,
      onEvent: (event) => context.emit({ type: 'emulator', at: new Date(), event }),
    });
    if (!isLoopback(host)) context.emit({ type: 'exposed', at: new Date(), host });
    context.emit({ type: 'ready', url: emulator.url, apiKey, allowLocalUrls });
    await untilAborted(stop.signal);
    await emulator.close();
    return {};
  } finally {
    stop.dispose();
  }
}
