import { heldByLiveListen, restoreRegistration } from '../../account/restore.js';
import type { CommandInput } from '../../config/option-table.js';
import { MwError } from '../../errors.js';
import type { RestoreEvent, RestoreResult } from '../../output/commands/restore.js';
import { clientFromFlags } from '../shared/api-client.js';
import { isProcessAlive } from '../shared/process.js';
import type { RunContext } from '../shared/run-command.js';
import { stateStoreFor } from '../shared/state.js';
import type { RESTORE_OPTIONS } from './options.js';

export { renderRestore as render } from '../../output/commands/restore.js';

export type RestoreInput = CommandInput<[], typeof RESTORE_OPTIONS>;

/** Puts back the URL each registration record left by a listen that did not exit cleanly, newest first. */
export async function run({ flags }: RestoreInput, context: RunContext<RestoreEvent>): Promise<RestoreResult> {
  const client = clientFromFlags(flags, context);
  const store = stateStoreFor(context.env, client.target.baseUrl, { force: flags.force === true });
  const release = await store.lock();
  try {
    const { records, problems } = await store.read();
    for (const problem of problems) context.emit({ type: 'state-problem', problem });
    if (records.length === 0) return { kind: 'nothing-to-restore', target: client.target.description };
    const live = records.find((record) => heldByLiveListen(record, { pid: process.pid, isProcessAlive }));
    if (live !== undefined && !flags.force) {
      throw new MwError(`The listen that registered ${live.registeredUrl} (pid ${live.pid}) is still running.`, {
        code: 'LISTEN_STILL_RUNNING',
        category: 'usage',
        hint: 'Stop it with Ctrl-C (it restores the URL itself), or pass --force.',
      });
    }
    // Newest first: the account holds the newest URL of the chain, and each record puts back the original.
    for (const record of [...records].reverse()) {
      context.emit({ type: 'restored', outcome: await restoreRegistration({ client, store, record }) });
    }
    return { kind: 'restored' };
  } finally {
    await release();
  }
}
