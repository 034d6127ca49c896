import { MwError } from '../errors.js';

/** A file-system failure as one sentence: what could not be done, the errno code, and the next step. */
export function fileError(input: { action: string; error: unknown; code: string; hint: string }): MwError {
  const reason = (input.error as NodeJS.ErrnoException | undefined)?.code ?? String(input.error);
  return new MwError(`Could not ${input.action} (${reason}).`, {
    code: input.code,
    category: 'filesystem',
    hint: input.hint,
    cause: input.error,
  });
}
