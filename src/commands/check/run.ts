import { CHECK_IDS, type CheckId, runChecks } from '../../check/checks.js';
import type { CommandInput } from '../../config/option-table.js';
import { usageError } from '../../errors.js';
import type { CheckEvent, CheckReport } from '../../output/commands/check.js';
import { requireHttpUrl } from '../../util/http-url.js';
import { closest } from '../../util/suggest.js';
import type { RunContext } from '../shared/run-command.js';
import { signingKey } from '../shared/signing-key.js';
import type { CHECK_ARGUMENTS, CHECK_OPTIONS } from './options.js';

export { renderCheck as render } from '../../output/commands/check.js';

export type CheckInput = CommandInput<typeof CHECK_ARGUMENTS, typeof CHECK_OPTIONS>;

/** Metriport's requirements, each sent to the endpoint with signed invented samples and judged. */
export async function run({ args, flags }: CheckInput, context: RunContext<CheckEvent>): Promise<CheckReport> {
  const { url } = args;
  requireHttpUrl({ value: url, code: 'BAD_CHECK_URL', hint: 'Pass your endpoint, e.g. http://127.0.0.1:3000/webhook.' });
  const only = (flags.only ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  for (const id of only) {
    if (!(CHECK_IDS as readonly string[]).includes(id)) {
      const guess = closest(id, CHECK_IDS);
      throw usageError(
        'BAD_CHECK',
        `--only ${id} is not a check.`,
        `${guess === undefined ? '' : `Did you mean ${guess}? `}Checks: ${CHECK_IDS.join(', ')}.`,
      );
    }
  }
  const key = await signingKey({ flags, context, purpose: 'nothing to sign the checks with' });
  context.emit({ type: 'checking', url, keyOrigin: key.origin });
  const results = await runChecks({ url, webhookKey: key.value, only: only as CheckId[] });
  return { results, ok: results.every((result) => result.ok) };
}
