import { writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { CHECK_IDS, type CheckId, withPrerequisites } from '../../check/check-ids.js';
import { CHECK_DEFAULTS, runChecks } from '../../check/run-checks.js';
import { apiHintFlags, resolveApiConfig } from '../../config/api-config.js';
import type { CommandInput } from '../../config/option-table.js';
import { usageError } from '../../errors.js';
import { sendHttp } from '../../http/send-http.js';
import { checkJunitXml } from '../../output/check-junit.js';
import type { CheckEvent, CheckReport } from '../../output/commands/check.js';
import type { HintContext } from '../../output/next-command.js';
import { fileError } from '../../util/file-error.js';
import { requireHttpUrl } from '../../util/http-url.js';
import { closest } from '../../util/suggest.js';
import { invocation } from '../shared/invocation.js';
import type { RunContext } from '../shared/run-command.js';
import { stopOnSignals } from '../shared/signals.js';
import { signingKey } from '../shared/signing-key.js';
import type { CHECK_ARGUMENTS, CHECK_OPTIONS } from './options.js';

export { renderCheck as render } from '../../output/commands/check.js';

export type CheckInput = CommandInput<typeof CHECK_ARGUMENTS, typeof CHECK_OPTIONS>;

/**
 * Metriport's requirements, each sent to the endpoint with signed invented samples and judged; every decided
 * check is emitted at once. Ctrl-C stops the run: what was decided stays printed, and the exit code is 130.
 */
export async function run({ args, flags }: CheckInput, context: RunContext<CheckEvent>): Promise<CheckReport> {
  const { url } = args;
  requireHttpUrl({ value: url, code: 'BAD_CHECK_URL', hint: 'Pass your endpoint, e.g. http://127.0.0.1:3000/webhook.' });
  const only = parseOnly(flags.only);
  const key = await signingKey({ flags, context, purpose: 'nothing to sign the checks with' });
  const keyOrigin = key.origin;
  const stop = stopOnSignals({});
  try {
    context.emit({ type: 'checking', url, keyOrigin, planned: withPrerequisites(only) });
    const checked = await runChecks(
      { url, webhookKey: key.value, only, ...CHECK_DEFAULTS },
      {
        send: sendHttp,
        now: () => Date.now(),
        sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined),
        random: Math.random,
        signal: stop.signal,
        onProgress: (progress) => context.emit(progress.type === 'decided' ? { ...progress, url, keyOrigin } : progress),
      },
    );
    const report: CheckReport = {
      url,
      keyOrigin,
      run: checked,
      ok: checked.results.every((result) => result.mark !== 'fail'),
      interrupted: checked.interrupted,
    };
    if (flags.junit === undefined) return report;
    const xml = checkJunitXml(report, { hints: hintsFor(flags, context) }, new Date());
    await writeFile(flags.junit, xml).catch((error: unknown) => {
      throw fileError({
        action: `write the JUnit report ${flags.junit}`,
        error,
        code: 'JUNIT_UNWRITABLE',
        hint: 'Pass a path in a folder you can write to.',
      });
    });
    return { ...report, junitFile: flags.junit };
  } finally {
    stop.dispose();
  }
}

function parseOnly(value: string | undefined): CheckId[] {
  const only = (value ?? '')
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
  return only as CheckId[];
}

/** The JUnit file names commands as the terminal does: as the CLI was run, with the flags that reached the API. */
function hintsFor(flags: CheckInput['flags'], context: RunContext<CheckEvent>): HintContext {
  try {
    return { invocation: invocation(context.env), api: apiHintFlags(resolveApiConfig(flags, context.env, context.dotenv)) };
  } catch {
    return { invocation: invocation(context.env) };
  }
}
