import { CHECK_IDS, type CheckId, runChecks } from '../../check/checks.js';
import { usageError } from '../../errors.js';
import { formatCheck } from '../../output/check.js';
import { colorLevel, createPalette } from '../../output/color.js';
import { requireHttpUrl } from '../../util/http-url.js';
import { closest } from '../../util/suggest.js';
import { processContext } from '../shared/process.js';
import { signingKey } from '../shared/signing-key.js';
import type { CheckFlags } from './command.js';

export async function runCheckCommand(url: string, flags: CheckFlags): Promise<number> {
  const context = processContext();
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
  const palette = createPalette(colorLevel({ isTTY: context.stdout.isTTY === true && !flags.json, env: context.env }));
  if (!flags.json)
    context.stderr.write(`Checking ${url} against Metriport's requirements (invented samples, signed with ${key.origin})…\n`);
  const results = await runChecks({ url, webhookKey: key.value, only: only as CheckId[] });
  for (const result of results) context.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : formatCheck(result, palette));
  const failed = results.filter((result) => !result.ok);
  if (!flags.json)
    context.stderr.write(
      failed.length === 0
        ? `All ${results.length} checks passed.\n`
        : `${failed.length} of ${results.length} checks failed: ${failed.map((result) => result.id).join(', ')}.\n`,
    );
  return failed.length === 0 ? 0 : 1;
}
