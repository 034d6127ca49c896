import { listMessageTypes, newSampleMessage } from '../samples/samples.js';
import type { EmulatedAccount } from './account.js';

/**
 * `listen --emulator`'s tour: the account sends one sample of every message type, one at a time as Metriport
 * does, to whatever URL it has; every URL in them points at a file the emulator serves (a FHIR bundle, a
 * C-CDA, a PDF, the result CSV), valid for Metriport's lifetimes. Stops early when `signal` aborts or a send
 * throws (the listener is stopping; its refusals are reported where they happen). Resolves with how many were
 * sent.
 */
export async function sendOneOfEach(input: { account: EmulatedAccount; signal: AbortSignal; now: () => Date }): Promise<number> {
  let sent = 0;
  for (const type of listMessageTypes()) {
    if (input.signal.aborted) break;
    const sample = newSampleMessage(type, input.now());
    if (sample === undefined) continue;
    try {
      await input.account.send(input.account.withLocalUrls(sample));
    } catch {
      break;
    }
    sent += 1;
  }
  return sent;
}
