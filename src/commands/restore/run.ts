import { heldByLiveListen, restoreRegistration } from '../../account/restore.js';
import { MwError } from '../../errors.js';
import { describeRestore, describeStateProblem } from '../../output/words.js';
import { clientFromFlags } from '../shared/api-client.js';
import { isProcessAlive, processContext } from '../shared/process.js';
import { stateStoreFor } from '../shared/state.js';
import type { RestoreFlags } from './command.js';

export async function runRestoreCommand(flags: RestoreFlags): Promise<number> {
  const context = processContext();
  const client = clientFromFlags(flags, context);
  const store = stateStoreFor(context.env, client.target.baseUrl, { force: flags.force === true });
  const release = await store.lock();
  try {
    const { records, problems } = await store.read();
    for (const problem of problems) context.stderr.write(`${describeStateProblem(problem)}\n`);
    if (records.length === 0) {
      context.stderr.write(`Nothing to restore: no listen left a registration behind for ${client.target.description}.\n`);
      return 0;
    }
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
      context.stderr.write(`${describeRestore(await restoreRegistration({ client, store, record }))}\n`);
    }
    return 0;
  } finally {
    await release();
  }
}
