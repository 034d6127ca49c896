/**
 * An error Metriport's error handler turns into `{status, title: <error class>, detail, name: <status text>,
 * additionalInfo?}` (`packages/api/src/routes/helpers/default-error-handler.ts`).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly additionalInfo?: Record<string, unknown>,
  ) {
    super(detail);
  }
}

export const badRequest = (detail: string, additionalInfo?: Record<string, unknown>) =>
  new ApiError(400, 'BadRequestError', detail, additionalInfo);
export const notFound = (detail: string, additionalInfo?: Record<string, unknown>) =>
  new ApiError(404, 'NotFoundError', detail, additionalInfo);

/**
 * A validation failure worded as Metriport's handler words a ZodError: every issue as "<message>, on
 * [<path>]" (the path joined with commas, as JavaScript prints an array), all of them joined with ", " in one
 * `detail`, title "Missing or invalid parameters".
 */
export class ValidationError extends Error {
  constructor(readonly issues: string[]) {
    super(issues.join(', '));
  }
}

/** One zod issue in Metriport's words. */
export function issue(message: string, path: ReadonlyArray<string | number>): string {
  return `${message}, on [${path.join(',')}]`;
}
