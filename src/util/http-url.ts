import { usageError } from '../errors.js';

/** Whether `text` parses as an absolute http: or https: URL. */
export function isHttpUrl(text: string): boolean {
  return URL.canParse(text) && /^https?:$/.test(new URL(text).protocol);
}

/**
 * `value` when it is an http(s) URL, else the usage error every URL flag gives: "--to "x" is not an http(s)
 * URL." and the hint. `name` is the flag or variable it came from (none for a positional argument).
 */
export function requireHttpUrl(input: { name?: string; value: string; code: string; hint: string }): string {
  if (isHttpUrl(input.value)) return input.value;
  const subject = input.name === undefined ? JSON.stringify(input.value) : `${input.name} ${JSON.stringify(input.value)}`;
  throw usageError(input.code, `${subject} is not an http(s) URL.`, input.hint);
}
