import { usageError } from '../errors.js';
import type { ApiTarget } from './target.js';
import { MAX_WEBHOOK_URL_LENGTH } from './types.js';

/**
 * What makes Metriport answer `400 {"detail":"Invalid URL"}` on `POST /settings`: any of these substrings,
 * anywhere in the URL and case-sensitively, or the exact value "0". Copied verbatim from Metriport's
 * `packages/api/src/routes/settings.ts` (webhookURLIncludeBlacklist / webhookURLExactBlacklist). Shared by the
 * CLI's pre-check and the emulator.
 */
export const BLOCKED_URL_SUBSTRINGS: readonly string[] = [
  '127.0.0.1',
  '127.1',
  '127.000.000.1',
  'localhost',
  '127.0.0.2',
  '0x7f.0x0.0x0.0x1',
  '0177.0.0.01',
  '01111111000000000000000000000001',
  '01111111.00000000.00000000.00000001',
  '2130706433',
  '017700000001',
  '%6c%6f%63%61%6c%68%6f%73%74',
  '0177.0.0.0x1',
  '169.254.169.254',
  '169.254.169.254/latest/meta-data/iam/security-credentials/',
  '169.254.169.254/latest/meta-data/hostname',
  'fuf.me',
  'localtest.me',
  'ulh.us',
  '127-0-0-1.org.uk',
  'ratchetlocal.com',
  'smackaho.st',
  '42foo.com',
  'vcap.me',
  'beweb.com',
  'yoogle.com',
  'ortkut.com',
  'feacebook.com',
  'lvh.me',
  '127.127.127.127',
  '127.0.0.0',
  '1.1.1.1 &@2.2.2.2# @3.3.3.3',
  'urllib: 3.3.3.3',
  'amazonaws.com',
  '[::]',
  '0000',
  '/internal',
];
export const BLOCKED_URL_VALUES: readonly string[] = ['0'];

/** The blocked substring (or exact value) Metriport would refuse this URL for, if any. */
export function blockedSubstring(url: string): string | undefined {
  if (BLOCKED_URL_VALUES.includes(url)) return url;
  return BLOCKED_URL_SUBSTRINGS.find((blocked) => url.includes(blocked));
}

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
  const substring = blockedSubstring(url);
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
    throw usageError(
      'URL_BLOCKED',
      `Metriport would refuse the webhook URL: ${describeUrlProblem(webhookUrl, problem)}.`,
      'Register a public tunnel URL (https://…) instead.',
    );
  }
}
