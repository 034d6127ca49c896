import type { NextCommand } from '../next-command.js';
import { isPong } from './answer.js';
import type { CheckId } from './check-ids.js';
import { hasShape, type Message } from './messages.js';
import type { CheckResult, ConcurrencyLevel, Exchange, Finding, Mark, ShapeId, Stack, Timing } from './results.js';

/**
 * Each check's verdict from the requests it sent (or shares), as Metriport's sender would count them: pure
 * functions, so every verdict is tested without a network.
 */

/** Shows the account's webhook key: what the endpoint must verify with. */
export const SHOW_KEY: NextCommand = { command: 'key', sameApi: true };

/** The docs ask for an answer within 4 s; the sender waits 5 s (2 s for the ping). */
export const DOCS_ANSWER_MS = 4000;

/** Metriport counts a delivery as successful on any 2xx it could read; redirects are not followed. */
export function accepted(exchange: Exchange): boolean {
  return (
    exchange.outcome === 'answered' &&
    exchange.status !== undefined &&
    exchange.status >= 200 &&
    exchange.status < 300 &&
    exchange.undecodable === undefined
  );
}

/** A status, or what happened instead of one: `timeout`, a socket error code, `undecodable gzip`. */
export function statusOf(exchange: Exchange): number | string {
  if (exchange.outcome === 'timeout') return 'timeout';
  if (exchange.outcome === 'network-error') return exchange.errorCode ?? 'network error';
  if (exchange.outcome === 'stopped') return 'stopped';
  if (exchange.undecodable !== undefined) return `undecodable ${exchange.undecodable}`;
  return exchange.status ?? 'no status';
}

function result(id: CheckId, mark: Mark, exchanges: Exchange[], finding: Finding): CheckResult {
  return { id, mark, exchanges, finding };
}

function slowest(exchanges: Exchange[]): Timing | undefined {
  const answered = exchanges.filter((exchange) => exchange.outcome === 'answered');
  const top = answered.reduce<Exchange | undefined>(
    (max, exchange) => (max === undefined || exchange.durationMs > max.durationMs ? exchange : max),
    undefined,
  );
  return top === undefined ? undefined : { type: top.sent.type, ms: top.durationMs };
}

/** reachable: an HTTP answer came back (any status) or the request was at least taken; a 404/405 means no such route. */
export function judgeReachable(ping: Exchange): CheckResult {
  if (ping.outcome === 'network-error')
    return result('reachable', 'fail', [ping], { kind: 'unreachable', code: ping.errorCode ?? 'ENETWORK' });
  if (ping.status === 404 || ping.status === 405) return result('reachable', 'fail', [ping], { kind: 'no-route', status: ping.status });
  return result('reachable', 'pass', [ping], { kind: 'reached', ping });
}

/** redirects: Metriport posts with redirects off, so any 3xx is a failed delivery. */
export function judgeRedirects(exchanges: Exchange[]): CheckResult {
  const redirect = exchanges.find((exchange) => exchange.status !== undefined && exchange.status >= 300 && exchange.status < 400);
  if (redirect !== undefined) {
    return result('redirects', 'fail', [redirect], { kind: 'redirect', status: redirect.status ?? 0, location: redirect.location });
  }
  const answered = exchanges.filter((exchange) => exchange.outcome === 'answered').length;
  if (answered === 0) return { id: 'redirects', mark: 'not-judged', exchanges, because: 'speed' };
  return result('redirects', 'pass', exchanges, { kind: 'no-redirect', answered });
}

/**
 * speed: every message of the probe, one at a time as a flow sends them. No answer within 5 s is a failed
 * delivery; 4–5 s is delivered but slower than the docs ask.
 */
export function judgeSpeed(input: { probe: Exchange[]; unsent: number; stack: Stack | undefined }): CheckResult {
  const { probe } = input;
  const timedOut = probe.filter((exchange) => exchange.outcome === 'timeout');
  if (timedOut.length > 0) {
    const answered = probe.filter((exchange) => exchange.outcome === 'answered');
    const baselineInTime = probe[0]?.outcome === 'answered';
    const verdict = result('speed', 'fail', probe, {
      kind: 'timeout',
      timedOut: timedOut.map((exchange) => exchange.sent.type),
      answered: answered.length,
      slowestAnswered: slowest(answered),
      unsent: input.unsent,
      stack: input.stack,
    });
    return baselineInTime ? { ...verdict, dependentsJudged: true } : verdict;
  }
  const slow = probe
    .filter((exchange) => exchange.outcome === 'answered' && exchange.durationMs > DOCS_ANSWER_MS)
    .map((exchange) => ({ type: exchange.sent.type, ms: exchange.durationMs }));
  if (slow.length > 0)
    return result('speed', 'warning', probe, { kind: 'slower-than-docs', count: probe.length, slow, stack: input.stack });
  return result('speed', 'pass', probe, { kind: 'in-time', count: probe.length, slowest: slowest(probe) });
}

/**
 * signatures: correctly signed messages (the speed probe's) are accepted, and forgeries refused. A correct key
 * shows as at least one accepted message: the ones refused for their type are `types`' business.
 */
export function judgeSignatures(input: { signed: Exchange[]; forged: Exchange[] }): CheckResult {
  const { signed, forged } = input;
  const answered = signed.filter((exchange) => exchange.outcome !== 'timeout');
  const exchanges = [...forged, ...signed];
  if (answered.length > 0 && !answered.some(accepted)) {
    const statuses = answered.map(statusOf);
    const authRefusals = statuses.filter((status) => status === 401 || status === 403).length;
    if (authRefusals * 2 >= statuses.length) {
      return {
        ...result('signatures', 'fail', [...answered.slice(0, 2), ...forged], {
          kind: 'refuses-signed',
          statuses: [...new Set(statuses.filter((status): status is number => typeof status === 'number'))],
        }),
        next: SHOW_KEY,
      };
    }
    return result('signatures', 'fail', answered.slice(0, 3), { kind: 'fails-signed', statuses: [...new Set(statuses)] });
  }
  const forgedAccepted = forged.filter(accepted);
  if (forgedAccepted.length > 0) {
    return result('signatures', 'fail', forgedAccepted, {
      kind: 'accepts-forged',
      accepted: forgedAccepted.map((exchange) => (exchange.sent.kind === 'forged' ? exchange.sent.how : 'unsigned')),
    });
  }
  const statuses = forged.map(statusOf);
  const not4xx = statuses.filter((status) => typeof status !== 'number' || status < 400 || status >= 500);
  if (not4xx.length > 0) return result('signatures', 'warning', forged, { kind: 'refuses-without-4xx', statuses: not4xx });
  return result('signatures', 'pass', exchanges, { kind: 'verifies', refusedWith: [...new Set(statuses as number[])] });
}

/** ping: 2xx with `{"pong": <the ping>}` within 2 s, read as axios reads it. */
export function judgePing(input: { ping: Exchange; value: string; stack: Stack | undefined }): CheckResult {
  const { ping } = input;
  if (ping.outcome === 'timeout')
    return result('ping', 'fail', [ping], { kind: 'ping-timeout', limitMs: ping.limitMs, stack: input.stack });
  if (!accepted(ping)) return result('ping', 'fail', [ping], { kind: 'ping-refused', status: statusOf(ping) });
  if (!isPong(ping.body ?? '', input.value)) {
    return result('ping', 'fail', [ping], { kind: 'not-pong', answer: ping.body ?? '' });
  }
  return result('ping', 'pass', [ping], { kind: 'pong', ms: ping.durationMs, decoded: ping.decoded ?? [] });
}

/**
 * raw-bytes: Metriport's real bytes (non-ASCII, JSONB order) must verify — refusing them is a ✗. Refusing only
 * the trap (bytes Metriport never writes) means the endpoint verifies a re-serialised body that happens to
 * match JSON.stringify: a warning.
 */
export function judgeRawBytes(input: { real: Exchange; trap: Exchange; stack: Stack | undefined }): CheckResult {
  const { real, trap } = input;
  if (!accepted(real))
    return result('raw-bytes', 'fail', [real], { kind: 'refuses-real-bytes', status: statusOf(real), stack: input.stack });
  if (!accepted(trap)) return result('raw-bytes', 'warning', [real, trap], { kind: 'verifies-reserialised', stack: input.stack });
  return result('raw-bytes', 'pass', [real, trap], { kind: 'raw-bytes', ms: Math.max(real.durationMs, trap.durationMs) });
}

/**
 * shapes: each real-world shape answered 2xx; the ones that were not are named. A shape of a type `speed`
 * already found too slow is left to it (one cause, one ✗).
 */
export function judgeShapes(input: { exchanges: Exchange[]; slowTypes: readonly string[] }): CheckResult {
  const leftToSpeed = input.exchanges.filter((exchange) => exchange.outcome === 'timeout' && input.slowTypes.includes(exchange.sent.type));
  const exchanges = input.exchanges.filter((exchange) => !leftToSpeed.includes(exchange));
  const refused = exchanges.filter((exchange) => !accepted(exchange));
  if (refused.length > 0) {
    return result('shapes', 'fail', refused, {
      kind: 'shapes-refused',
      refused: refused.map((exchange) => ({ shape: shapeOf(exchange), status: statusOf(exchange) })),
      accepted: exchanges.length - refused.length,
    });
  }
  return result('shapes', 'pass', input.exchanges, {
    kind: 'shapes-accepted',
    shapes: [...new Set(exchanges.map(shapeOf))],
    leftToSpeed: [...new Set(leftToSpeed.map((exchange) => exchange.sent.type))],
  });
}

function shapeOf(exchange: Exchange): ShapeId {
  return exchange.sent.kind === 'shape' ? exchange.sent.shape : 'with-meta-data';
}

/**
 * types: every type of the speed probe and the unknown one answered 2xx. A type refused for a shape `shapes`
 * already failed on (a devices message has no `meta.requestId`) is left to it; a type that got no answer in
 * time is `speed`'s.
 */
export function judgeTypes(input: {
  probe: Array<{ exchange: Exchange; message: Message }>;
  unknown: Exchange;
  refusedShapes: ShapeId[];
}): CheckResult {
  const leftToShapes: Array<{ type: string; shape: ShapeId }> = [];
  const unanswered: string[] = [];
  const refused: Array<{ type: string; status: number | string }> = [];
  const refusedExchanges: Exchange[] = [];
  for (const { exchange, message } of input.probe) {
    if (accepted(exchange)) continue;
    if (exchange.outcome === 'timeout') {
      unanswered.push(exchange.sent.type);
      continue;
    }
    const shape = input.refusedShapes.find((candidate) => hasShape(candidate, message));
    if (shape !== undefined) {
      leftToShapes.push({ type: exchange.sent.type, shape });
      continue;
    }
    refused.push({ type: exchange.sent.type, status: statusOf(exchange) });
    refusedExchanges.push(exchange);
  }
  const unknownRefused = !accepted(input.unknown);
  if (unknownRefused) {
    refused.push({ type: input.unknown.sent.type, status: statusOf(input.unknown) });
    refusedExchanges.push(input.unknown);
  }
  const all = [...input.probe.map((item) => item.exchange), input.unknown];
  if (refused.length > 0) {
    return result('types', 'fail', refusedExchanges, {
      kind: 'types-refused',
      refused,
      unknownRefused,
      accepted: all.filter(accepted).length,
    });
  }
  return result('types', 'pass', all, {
    kind: 'types-accepted',
    count: all.length,
    slowest: slowest(all.filter(accepted)),
    leftToShapes,
    unanswered,
  });
}

/** idempotency: the same messageId again, and again while the first is in flight, both 2xx. */
export function judgeIdempotency(exchanges: Exchange[]): CheckResult {
  const refused = exchanges.filter((exchange) => !accepted(exchange));
  if (refused.length === 0) return result('idempotency', 'pass', exchanges, { kind: 'repeats-accepted' });
  return result('idempotency', 'fail', refused, {
    kind: 'repeat-refused',
    refused: refused.map((exchange) => ({
      copy: exchange.sent.kind === 'repeat' ? exchange.sent.copy : 'again',
      status: statusOf(exchange),
    })),
  });
}

/** size: a large document-download (a patient with thousands of documents) is accepted. */
export function judgeSize(input: { large: Exchange; bytes: number; stack: Stack | undefined }): CheckResult {
  const { large, bytes } = input;
  if (accepted(large)) return result('size', 'pass', [large], { kind: 'large-accepted', bytes, ms: large.durationMs });
  return result('size', 'fail', [large], { kind: 'large-refused', bytes, status: statusOf(large), stack: input.stack });
}

/**
 * concurrency: Metriport sends one message at a time per flow and retries one at a time with 0–200 ms gaps:
 * failing those is a ✗. A bulk import runs many flows at once: what was lost at 5 and 20 in flight is a
 * warning, with the numbers.
 */
export function judgeConcurrency(levels: Array<{ inFlight: number; exchanges: Exchange[] }>): CheckResult {
  const summary: ConcurrencyLevel[] = levels.map(({ inFlight, exchanges }) => ({
    inFlight,
    sent: exchanges.length,
    withinLimit: exchanges.filter(accepted).length,
    maxMs: Math.max(0, ...exchanges.map((exchange) => exchange.durationMs)),
    missed: exchanges.filter((exchange) => !accepted(exchange)).map(statusOf),
  }));
  const all = levels.flatMap((level) => level.exchanges);
  const missed = all.filter((exchange) => !accepted(exchange));
  const oneAtATime = summary.find((level) => level.inFlight === 1);
  const mark: Mark = oneAtATime !== undefined && oneAtATime.missed.length > 0 ? 'fail' : missed.length > 0 ? 'warning' : 'pass';
  return result('concurrency', mark, mark === 'pass' ? all : missed, { kind: 'concurrency', levels: summary });
}
