import type { RestoreOutcome } from '../account/restore.js';
import type { ForwardOutcome, MessageOutcome, Refusal, Sender } from '../receiver/receiver.js';
import type { StateProblem } from '../state/state-store.js';
import { flagBytes, humanBytes } from '../util/units.js';
import type { ParseFailure } from '../webhook/message.js';
import { LEGACY_KEY_HEADER, SIGNATURE_HEADER, type VerifyFailure } from '../webhook/signature.js';
import { visible } from './visible.js';

/** The words for what engines report as data. Anything that came from outside is made visible-safe here. */

export function describeVerifyFailure(reason: VerifyFailure): string {
  switch (reason) {
    case 'header-missing':
      return `no ${SIGNATURE_HEADER} or ${LEGACY_KEY_HEADER} header`;
    case 'signature-malformed':
      return `${SIGNATURE_HEADER} is not 64 lowercase hex characters`;
    case 'signature-mismatch':
      return `${SIGNATURE_HEADER} does not match the body (wrong webhook key, or the body was changed)`;
    case 'body-reserialised':
      return `${SIGNATURE_HEADER} matches a re-serialised copy of the body: a proxy re-encoded the JSON`;
    case 'wrong-key':
      return `${LEGACY_KEY_HEADER} does not match the webhook key`;
  }
}

export function describeParseFailure(reason: ParseFailure): string {
  switch (reason) {
    case 'empty':
      return 'the body is empty';
    case 'not-utf8':
      return 'the body is not valid UTF-8';
    case 'invalid-json':
      return 'the body is not valid JSON';
  }
}

export function describeRefusal(refusal: Refusal): string {
  switch (refusal.reason) {
    case 'method':
      return `${visible(refusal.method)} is not allowed on ${refusal.path}; Metriport only POSTs`;
    case 'too-large':
      return `the body is larger than --max-body ${flagBytes(refusal.limitBytes)}; raise it with --max-body (e.g. --max-body 100mb)`;
    case 'unreadable':
      return `the request could not be read (${visible(refusal.detail)})`;
    case 'body':
      return describeParseFailure(refusal.failure);
    case 'ping-without-value':
      return 'the ping message has no "ping" value';
    case 'busy':
      return `more than ${flagBytes(refusal.limitBytes)} of unverified bodies are arriving at once; answered 503 (Metriport counts it failed; retry resends it)`;
    case 'stalled':
      return `the body stopped arriving (${humanBytes(refusal.receivedBytes)} of ${refusal.declaredBytes === undefined ? 'a chunked body' : humanBytes(refusal.declaredBytes)}); answered 408 and closed the connection`;
    case 'key-unknown':
      return 'the webhook key is not known yet (registration is still under way); Metriport counts it as failed: run `retry` once listen is ready';
  }
}

export function describeRestore(outcome: RestoreOutcome, options: { emulator?: boolean } = {}): string {
  const { plan, record } = outcome;
  // The in-process emulator has no dashboard, and ends with this listen.
  if (options.emulator && plan.action === 'keep' && plan.reason === 'no-previous-url')
    return 'The emulator stops with this listen; nothing to put back.';
  switch (plan.action) {
    case 'restore':
      return `Restored the webhook URL to ${visible(plan.url)}.`;
    case 'keep':
      if (plan.reason === 'same-url') return `The webhook URL was already ${visible(record.registeredUrl)} before; left as it is.`;
      if (plan.reason === 'previous-unknown') {
        return `The URL before this listen was unknown (a damaged record was found), so ${visible(record.registeredUrl)} stays registered; set the right one in the dashboard under Developers → Webhook.`;
      }
      return `The account had no webhook URL before, so ${visible(record.registeredUrl)} stays registered (Metriport cannot clear it); change it in the dashboard under Developers → Webhook when you are done.`;
    case 'leave':
      return `The webhook URL was changed to ${visible(plan.currentUrl ?? 'nothing')} by someone else since; left as it is.`;
  }
}

export function describeStateProblem(problem: StateProblem): string {
  switch (problem.kind) {
    case 'damaged':
      return `The registration record ${problem.path} could not be read (${problem.detail}); it is kept as ${problem.keptAs}. The webhook URL before it is unknown: check it in the dashboard, and nothing will be put back on exit.`;
    case 'other-api':
      return `A registration record for another API (${visible(problem.apiUrl)}) is in this state file; left alone.`;
  }
}

/** The outcome of a message in a few words: what the sender got, where it went, what the app said. */
export function describeOutcome(outcome: MessageOutcome, options: { duplicate?: boolean } = {}): string {
  const parts = [`answered ${outcome.status}`];
  if (options.duplicate) parts.push('duplicate: not stored again');
  else if (outcome.storedAs !== undefined) parts.push(`stored ${visible(outcome.storedAs)}`);
  if (outcome.forward !== undefined) parts.push(describeForward(outcome.forward));
  return parts.join(' · ');
}

export function describeForward(forward: ForwardOutcome): string {
  if (forward.kind === 'answered') return `app ${forward.status} in ${forward.durationMs} ms`;
  switch (forward.reason) {
    case 'queued':
      return `app: still queued after ${forward.timeoutMs} ms (${forward.detail})`;
    case 'timeout':
      return `app: no answer within ${forward.timeoutMs} ms`;
    case 'unreachable':
      return `app unreachable (${visible(forward.detail)})`;
  }
}

/** " (from 203.0.113.9, curl/8.5)": who sent a refused request. */
export function describeSender(from: Sender | undefined): string {
  if (from === undefined || (from.address === undefined && from.userAgent === undefined)) return '';
  const parts = [from.address, from.userAgent === undefined ? undefined : visible(from.userAgent.slice(0, 80))].filter(
    (part) => part !== undefined,
  );
  return ` (from ${parts.map((part) => visible(part as string)).join(', ')})`;
}
