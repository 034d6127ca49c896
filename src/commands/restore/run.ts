import { MwError } from '../../errors.js';
import { describeRestore } from '../../output/words.js';
import { heldByLiveListen, restoreRegistration } from '../../session/restore.js';
import { clientFromFlags } from '../shared/api-client.js';
import { isProcessAlive, processContext } from '../shared/process.js';
import { stateStoreFor } from '../shared/state.js';
import type { RestoreFlags } from './command.js';

export async function runRestoreCommand(flags: RestoreFlags): Promise<number> {
  const context = processContext();
  const client = clientFromFlags(flags, context);
  const store = stateStoreFor(context.env, client.target.baseUrl);
  const record = await store.read();
  if (record === undefined) {
    context.stderr.write(`Nothing to restore: no listen left a registration behind for ${client.target.description}.\n`);
    return 0;
  }
  if (heldByLiveListen(record, { pid: process.pid, isProcessAlive }) && !flags.force) {
    throw new MwError(`The listen that registered ${record.registeredUrl} (pid ${record.pid}) is still running.`, {
      code: 'LISTEN_STILL_RUNNING',
      category: 'usage',
      hint: 'Stop it with Ctrl-C (it restores the URL itself), or pass --force.',
    });
  }
  const outcome = await restoreRegistration({ client, store, record });
  context.stderr.write(`${describeRestore(outcome)}\n`);
  return 0;
}
