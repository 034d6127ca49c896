import type { RestoreOutcome } from '../../account/restore.js';
import type { StateProblem } from '../../state/state-store.js';
import type { Renderer } from '../render.js';
import { describeRestore, describeStateProblem } from '../words.js';

export type RestoreResult = { kind: 'nothing-to-restore'; target: string } | { kind: 'restored' };

/** Each record as it is read and put back: a damaged one is said first, each restore as it happens. */
export type RestoreEvent = { type: 'state-problem'; problem: StateProblem } | { type: 'restored'; outcome: RestoreOutcome };

export const renderRestore: Renderer<RestoreResult, RestoreEvent> = {
  event: (event) => ({
    stderr: `${event.type === 'state-problem' ? describeStateProblem(event.problem) : describeRestore(event.outcome)}\n`,
  }),
  result: (result) =>
    result.kind === 'nothing-to-restore'
      ? { stderr: `Nothing to restore: no listen left a registration behind for ${result.target}.\n` }
      : {},
};
