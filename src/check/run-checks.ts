import { randomBytes } from 'node:crypto';
import { HttpFailure, headerValue, type SendHttp } from '../http/send-http.js';
import { MESSAGE_TIMEOUT_MS, PING_TIMEOUT_MS } from '../metriport/types.js';
import { listMessageTypes, newSampleMessage } from '../samples/samples.js';
import { AXIOS_HEADERS, metriportHeaders } from '../webhook/deliver.js';
import { SIGNATURE_HEADER, sign } from '../webhook/signature.js';
import { decodeAnswer, detectStack, headerText } from './answer.js';
import { type CheckId, PREREQUISITES, withPrerequisites } from './check-ids.js';
import {
  accepted,
  DOCS_ANSWER_MS,
  judgeConcurrency,
  judgeIdempotency,
  judgePing,
  judgeRawBytes,
  judgeReachable,
  judgeRedirects,
  judgeShapes,
  judgeSignatures,
  judgeSize,
  judgeSpeed,
  judgeTypes,
} from './judges.js';
import {
  BASELINE_TYPE,
  baseline,
  largeBytes,
  type Message,
  metriportBytes,
  pingBytes,
  realBytes,
  type SampleSource,
  shapedMessages,
  trapBytes,
  UNKNOWN_TYPE,
  unknownTypeBytes,
} from './messages.js';
import type { CheckProgress, CheckResult, CheckRun, Exchange, Sent, ShapeId, Stack } from './results.js';

export interface CheckOptions {
  /** The endpoint, exactly as Metriport would post to it. */
  url: string;
  webhookKey: string;
  /** `--only`: these checks and their prerequisites; empty for all. */
  only: readonly CheckId[];
  /** Size of the large document-download, in bytes. */
  largeBytes: number;
  /** How many messages go at once in each round of `concurrency` (1 is one at a time, with 0–200 ms gaps). */
  inFlight: readonly number[];
}

/** The defaults the command uses: a 4 MB message; 1, 5 and 20 in flight. */
export const CHECK_DEFAULTS = { largeBytes: 4 * 1024 * 1024, inFlight: [1, 5, 20] } as const;

export interface CheckDeps {
  /** The HTTP call (src/http/send-http.ts); its deadline is Metriport's limit for the request. */
  send: SendHttp;
  /** Milliseconds since the epoch: answer times and each message's `meta.when`. */
  now: () => number;
  /** Waits `ms` (resolves early when `signal` aborts): the gaps of a retry. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** In [0, 1): the length of those gaps. */
  random: () => number;
  /** Aborted by Ctrl-C: requests in flight stop, the check under way is dropped, and the run returns. */
  signal: AbortSignal;
  /** Each wait and each decided check, as they happen. */
  onProgress: (progress: CheckProgress) => void;
}

/** Metriport's sender (axios) asks for these; an endpoint may compress its answer because of them. */
/** Enough to read a pong or show an answer's start; the rest is read and dropped. */
const ANSWER_BYTES = 64 * 1024;
/** The speed probe stops after this many timeouts in a row (or in all): a slow endpoint's run stays short. */
const TIMEOUTS_IN_A_ROW = 2;
const TIMEOUTS_IN_ALL = 3;
/** Metriport's bulk retry pauses 0–200 ms after each success. */
const RETRY_GAP_MS = 200;
const ONE_AT_A_TIME_COUNT = 5;

/** The shared evidence: what a check sends once and several judge. */
interface Evidence {
  pingValue: string;
  ping?: Exchange;
  probe: Array<{ exchange: Exchange; message: Message }>;
  refusedShapes: ShapeId[];
  stack?: Stack;
}

/**
 * Judges an endpoint as Metriport's sender would, with invented samples only (never real PHI), signed with the
 * webhook key: the checks run in dependency order, each decided as soon as it can be and reported through
 * `onProgress`; a check whose prerequisite failed is `not-judged` and sends nothing.
 */
export async function runChecks(options: CheckOptions, deps: CheckDeps): Promise<CheckRun> {
  const started = deps.now();
  const planned = withPrerequisites(options.only);
  const decided = new Map<CheckId, CheckResult>();
  const samples: SampleSource = (type, outcome) => newSampleMessage(type, new Date(deps.now()), outcome) as Message | undefined;
  const evidence: Evidence = { pingValue: randomBytes(16).toString('base64url').slice(0, 21), probe: [], refusedShapes: [] };
  const post = poster({ options, deps, evidence });
  const steps = checkSteps({ options, deps, evidence, post, samples });

  for (const id of planned) {
    if (deps.signal.aborted) break;
    const blocker = failedPrerequisite(id, decided);
    const checkStarted = deps.now();
    let outcome: CheckResult;
    if (blocker !== undefined) {
      outcome = { id, mark: 'not-judged', exchanges: [], because: blocker };
    } else {
      outcome = { ...(await steps[id]()), durationMs: Math.round(deps.now() - checkStarted) };
      if (decided.get('speed')?.mark === 'pass') outcome = withSlowAnswers(outcome, evidence.stack);
      // A check cut short by Ctrl-C decided nothing: it is left out rather than judged on half its answers.
      if (deps.signal.aborted) break;
    }
    decided.set(id, outcome);
    deps.onProgress({ type: 'decided', result: outcome });
  }
  return { results: [...decided.values()], planned, interrupted: deps.signal.aborted, durationMs: deps.now() - started };
}

/**
 * Every answer is timed, not only the speed probe's: a later check that passed on answers of its own slower
 * than the 4 s the docs ask is a warning naming them, when speed found the types fast (otherwise speed has
 * said it once). speed and types judge the probe, the ping has its 2 s, and concurrency reports its own
 * times, since answers that wait in a queue are slower by design.
 */
const TIMED_BY_THEMSELVES: ReadonlySet<CheckId> = new Set(['reachable', 'redirects', 'speed', 'types', 'ping', 'concurrency']);

function withSlowAnswers(result: CheckResult, stack: Stack | undefined): CheckResult {
  if (result.mark !== 'pass' || TIMED_BY_THEMSELVES.has(result.id)) return result;
  const timings = result.exchanges
    .filter((exchange) => exchange.sent.kind !== 'message' && exchange.sent.kind !== 'ping')
    .filter((exchange) => accepted(exchange) && exchange.durationMs > DOCS_ANSWER_MS)
    .map((exchange) => ({ type: exchange.sent.type, ms: exchange.durationMs }));
  return timings.length === 0 ? result : { ...result, mark: 'warning', slow: { timings, stack } };
}

/** The failed check that keeps `id` from being judged: a prerequisite that failed, or was not judged because of one. */
function failedPrerequisite(id: CheckId, decided: ReadonlyMap<CheckId, CheckResult>): CheckId | undefined {
  for (const before of PREREQUISITES[id]) {
    const prior = decided.get(before);
    if (prior === undefined) continue;
    if (prior.mark === 'fail' && prior.dependentsJudged !== true) return before;
    if (prior.mark === 'not-judged' && prior.because !== undefined) {
      if (decided.get(prior.because)?.mark === 'fail') return prior.because;
      const deeper = failedPrerequisite(before, decided);
      if (deeper !== undefined) return deeper;
    }
  }
  return undefined;
}

type Post = (input: {
  id: CheckId;
  sent: Sent;
  body: Buffer;
  headers?: Record<string, string>;
  limitMs?: number;
  /** Announce the wait (one at a time); a batch announces itself once. */
  announce?: boolean;
}) => Promise<Exchange>;

/** Sends one request as Metriport's sender does and records what came back, every outcome as data. */
function poster(input: { options: CheckOptions; deps: CheckDeps; evidence: Evidence }): Post {
  const { options, deps, evidence } = input;
  // Each request gets its own signal, all stopped by one listener on the run's: sendHttp leaves its listener
  // on the signal it is given, and seventy requests (twenty at once) would pile them up on one signal.
  const live = new Set<AbortController>();
  deps.signal.addEventListener('abort', () => {
    for (const controller of live) controller.abort();
  });
  return async ({ id, sent, body, headers, limitMs = MESSAGE_TIMEOUT_MS, announce = true }) => {
    if (announce) deps.onProgress({ type: 'waiting', id, sent, inFlight: 1, limitMs });
    const started = deps.now();
    const exchange = (rest: Omit<Exchange, 'sent' | 'limitMs' | 'durationMs'>): Exchange => ({
      sent,
      limitMs,
      durationMs: Math.max(0, Math.round(deps.now() - started)),
      ...rest,
    });
    const controller = new AbortController();
    if (deps.signal.aborted) controller.abort();
    live.add(controller);
    try {
      // The deadline is Metriport's limit, counted as axios counts it: time without data (an answer that keeps
      // trickling past 5 s is delivered, and judged as slower than the docs ask, not as lost).
      const response = await deps.send({
        method: 'POST',
        url: options.url,
        headers: { ...(headers ?? metriportHeaders(body, options.webhookKey)), ...AXIOS_HEADERS },
        body,
        timeoutMs: limitMs,
        idleTimeout: true,
        maxResponseBytes: ANSWER_BYTES,
        signal: controller.signal,
      });
      const decoded = decodeAnswer(response);
      const server = headerText(response.headers.server);
      const poweredBy = headerText(response.headers['x-powered-by']);
      evidence.stack ??= detectStack({ server, poweredBy });
      return exchange({
        outcome: 'answered',
        status: response.status,
        body: decoded.text.slice(0, 4096),
        ...(decoded.decoded.length > 0 ? { decoded: decoded.decoded } : {}),
        ...(decoded.undecodable === undefined ? {} : { undecodable: decoded.undecodable }),
        ...optional('location', headerValue(response.headers, 'location')),
        ...optional('server', server),
        ...optional('poweredBy', poweredBy),
      });
    } catch (error) {
      const code = error instanceof HttpFailure ? error.code : 'ENETWORK';
      if (code === 'TIMEOUT') return exchange({ outcome: 'timeout' });
      if (code === 'ABORTED') return exchange({ outcome: 'stopped' });
      return exchange({ outcome: 'network-error', errorCode: code });
    } finally {
      live.delete(controller);
    }
  };
}

function optional<Key extends string>(key: Key, value: string | undefined): Partial<Record<Key, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<Key, string>);
}

/** What each check sends, in the order of `CHECK_IDS`, and its verdict. */
function checkSteps(input: {
  options: CheckOptions;
  deps: CheckDeps;
  evidence: Evidence;
  post: Post;
  samples: SampleSource;
}): Record<CheckId, () => Promise<CheckResult>> {
  const { options, deps, evidence, post, samples } = input;
  const message = (id: CheckId, sent: Sent, body: Buffer, announce = true) => post({ id, sent, body, announce });

  return {
    async reachable() {
      evidence.ping = await post({
        id: 'reachable',
        sent: { kind: 'ping', type: 'ping' },
        body: pingBytes(evidence.pingValue, new Date(deps.now())),
        limitMs: PING_TIMEOUT_MS,
      });
      return judgeReachable(evidence.ping);
    },

    async redirects() {
      // The first message of a document query: also the first of the speed probe.
      const first = baseline(samples);
      const exchange = await message('redirects', { kind: 'message', type: BASELINE_TYPE }, metriportBytes(first));
      evidence.probe.push({ exchange, message: first });
      return judgeRedirects([...(evidence.ping === undefined ? [] : [evidence.ping]), exchange]);
    },

    async speed() {
      // One message of every type, one at a time, as flows send them; `types` judges the same answers.
      const types = listMessageTypes().filter((type) => !evidence.probe.some((item) => item.exchange.sent.type === type));
      let inARow = evidence.probe.filter((item) => item.exchange.outcome === 'timeout').length;
      let unsent = 0;
      for (const type of types) {
        const timeouts = evidence.probe.filter((item) => item.exchange.outcome === 'timeout').length;
        if (inARow >= TIMEOUTS_IN_A_ROW || timeouts >= TIMEOUTS_IN_ALL || deps.signal.aborted) {
          unsent += 1;
          continue;
        }
        const sample = samples(type);
        if (sample === undefined) continue;
        const exchange = await message('speed', { kind: 'message', type }, metriportBytes(sample));
        evidence.probe.push({ exchange, message: sample });
        inARow = exchange.outcome === 'timeout' ? inARow + 1 : 0;
      }
      return judgeSpeed({ probe: evidence.probe.map((item) => item.exchange), unsent, stack: evidence.stack });
    },

    async signatures() {
      const body = metriportBytes(baseline(samples));
      const other = metriportBytes(baseline(samples));
      const signed = metriportHeaders(body, options.webhookKey);
      const { [SIGNATURE_HEADER]: _signature, ...unsigned } = signed;
      const forged: Array<{ how: 'unsigned' | 'other-key' | 'other-signature'; headers: Record<string, string> }> = [
        { how: 'unsigned', headers: unsigned },
        { how: 'other-key', headers: { ...signed, [SIGNATURE_HEADER]: sign(`not-${options.webhookKey}`, body) } },
        { how: 'other-signature', headers: { ...signed, [SIGNATURE_HEADER]: sign(options.webhookKey, other) } },
      ];
      const exchanges: Exchange[] = [];
      for (const item of forged) {
        exchanges.push(
          await post({ id: 'signatures', sent: { kind: 'forged', type: BASELINE_TYPE, how: item.how }, body, headers: item.headers }),
        );
      }
      return judgeSignatures({ signed: evidence.probe.map((item) => item.exchange), forged: exchanges });
    },

    async ping() {
      const ping = evidence.ping;
      if (ping === undefined) throw new Error('the ping is sent by reachable, which always runs first');
      return judgePing({ ping, value: evidence.pingValue, stack: evidence.stack });
    },

    async 'raw-bytes'() {
      const real = await message('raw-bytes', { kind: 'real-bytes', type: BASELINE_TYPE }, realBytes(samples));
      const trap = await message('raw-bytes', { kind: 'trap', type: BASELINE_TYPE }, trapBytes(samples));
      return judgeRawBytes({ real, trap, stack: evidence.stack });
    },

    async shapes() {
      const exchanges: Exchange[] = [];
      for (const shaped of shapedMessages(samples)) {
        exchanges.push(await message('shapes', { kind: 'shape', type: shaped.type, shape: shaped.shape }, shaped.body));
      }
      const slowTypes = evidence.probe.filter((item) => item.exchange.outcome === 'timeout').map((item) => item.exchange.sent.type);
      const verdict = judgeShapes({ exchanges, slowTypes });
      evidence.refusedShapes = exchanges
        .filter((exchange) => !accepted(exchange) && exchange.sent.kind === 'shape')
        .map((exchange) => (exchange.sent.kind === 'shape' ? exchange.sent.shape : 'with-meta-data'));
      return verdict;
    },

    async types() {
      const unknown = await message('types', { kind: 'unknown-type', type: UNKNOWN_TYPE }, unknownTypeBytes(samples));
      return judgeTypes({ probe: evidence.probe, unknown, refusedShapes: evidence.refusedShapes });
    },

    async idempotency() {
      const first = metriportBytes(baseline(samples));
      const repeat = (copy: 'first' | 'again' | 'overlap-first' | 'overlap-retry', body: Buffer, announce = true) =>
        message('idempotency', { kind: 'repeat', type: BASELINE_TYPE, copy }, body, announce);
      const once = await repeat('first', first);
      const again = await repeat('again', first);
      const overlapping = metriportBytes(baseline(samples));
      deps.onProgress({
        type: 'waiting',
        id: 'idempotency',
        sent: { kind: 'repeat', type: BASELINE_TYPE, copy: 'overlap-retry' },
        inFlight: 2,
        limitMs: MESSAGE_TIMEOUT_MS,
      });
      const both = await Promise.all([repeat('overlap-first', overlapping, false), repeat('overlap-retry', overlapping, false)]);
      return judgeIdempotency([once, again, ...both]);
    },

    async size() {
      const large = largeBytes(samples, options.largeBytes);
      const exchange = await message(
        'size',
        { kind: 'large', type: BASELINE_TYPE, bytes: large.body.length, documents: large.documents },
        large.body,
      );
      return judgeSize({ large: exchange, bytes: large.body.length, stack: evidence.stack });
    },

    async concurrency() {
      const levels: Array<{ inFlight: number; exchanges: Exchange[] }> = [];
      for (const inFlight of options.inFlight) {
        if (deps.signal.aborted) break;
        const sent: Sent = { kind: 'in-flight', type: BASELINE_TYPE, inFlight };
        const exchanges: Exchange[] = [];
        if (inFlight === 1) {
          for (let index = 0; index < ONE_AT_A_TIME_COUNT; index += 1) {
            if (index > 0) await deps.sleep(Math.floor(deps.random() * RETRY_GAP_MS), deps.signal);
            exchanges.push(await message('concurrency', sent, metriportBytes(baseline(samples))));
            if (!accepted(exchanges.at(-1) as Exchange)) break;
          }
        } else {
          deps.onProgress({ type: 'waiting', id: 'concurrency', sent, inFlight, limitMs: MESSAGE_TIMEOUT_MS });
          const bodies = Array.from({ length: inFlight }, () => metriportBytes(baseline(samples)));
          exchanges.push(...(await Promise.all(bodies.map((body) => message('concurrency', sent, body, false)))));
        }
        levels.push({ inFlight, exchanges });
      }
      return judgeConcurrency(levels);
    },
  };
}
