import type { ApiTarget } from './target.js';
import { usageError } from '../errors.js';
import { MAX_WEBHOOK_URL_LENGTH } from './types.js';

/**
 * Substrings that make Metriport answer `400 {"detail":"Invalid URL"}` on `POST /settings`, wherever they
 * appear in the URL (protocol notes, "URL validation"). Shared by the CLI's pre-check and the emulator.
 */
export const BLOCKED_URL_SUBSTRINGS: readonly string[] = [
  'localhost',
  '127.0.0.1',
  '127.1',
  '0000',
  '[::]',
  '169.254.169.254',
  'amazonaws.com',
  '/internal',
  'lvh.me',
  'localtest.me',
];

export type WebhookUrlProblem = { kind: 'not-a-url' } | { kind: 'too-long'; length: number } | { kind: 'blocked'; substring: string };

/** Why Metriport would refuse this webhook URL, or `undefined` when it would accept it. */
export function webhookUrlProblem(url: string, options: { allowLocal: boolean }): WebhookUrlProblem | undefined {
  if (url.length > MAX_WEBHOOK_URL_LENGTH) return { kind: 'too-long', length: url.length };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { kind: 'not-a-url' };
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return { kind: 'not-a-url' };
  if (options.allowLocal) return undefined;
  const lower = url.toLowerCase();
  const substring = BLOCKED_URL_SUBSTRINGS.find((blocked) => lower.includes(blocked));
  return substring === undefined ? undefined : { kind: 'blocked', substring };
}

export function describeUrlProblem(url: string, problem: WebhookUrlProblem): string {
  switch (problem.kind) {
    case 'not-a-url':
      return `${url} is not an http(s) URL`;
    case 'too-long':
      return `the URL is ${problem.length} characters long; Metriport accepts at most ${MAX_WEBHOOK_URL_LENGTH}`;
    case 'blocked':
      return `${url} contains "${problem.substring}", which Metriport refuses (it blocks local and internal addresses such as localhost, 127.0.0.1 or anything with 0000)`;
  }
}

/** Refuses, before any call, a URL that Metriport's own API would answer with "Invalid URL". Other APIs decide for themselves. */
export function assertRegistrable(webhookUrl: string, target: ApiTarget): void {
  if (!target.isMetriportHost) return;
  const problem = webhookUrlProblem(webhookUrl, { allowLocal: false });
  if (problem !== undefined) {
    throw usageError('URL_BLOCKED', `Metriport would refuse the webhook URL: ${describeUrlProblem(webhookUrl, problem)}.`, 'Register a public tunnel URL (https://…) instead.');
  }
}
