import type { CheckId } from '../check/check-ids.js';
import type { CheckResult, Exchange, Finding, Sent, ShapeId, Stack, StackName, Timing } from '../check/results.js';
import { humanBytes } from '../util/units.js';
import { commandLine, type HintContext } from './next-command.js';
import { visible } from './visible.js';

/**
 * Every sentence `check` says, from its data: the terminal report, the `--json` lines and the JUnit file all
 * take their words from here, so a verdict reads the same everywhere.
 */

/** What the run knows besides the results: how the endpoint was reached and signed for, and how to print a command. */
export interface CheckWordsContext {
  url: string;
  /** Where the webhook key came from, e.g. `--webhook-key`. */
  keyOrigin: string;
  hints: HintContext;
}

/** A verdict in words: the line after the mark, and for a ✗ or a warning the cause and the fix. */
export interface CheckWords {
  requirement: string;
  summary: string;
  cause?: string;
  fix?: string;
  /** The command the fix suggests, as the user would type it. */
  next?: string;
}

export const REQUIREMENTS: Readonly<Record<CheckId, string>> = {
  reachable: 'the URL answers HTTP at a route that takes POST',
  redirects: 'answers at the URL itself (Metriport follows no redirect)',
  speed: "answers every message within 5 s, Metriport's limit (its docs ask for 4 s)",
  signatures: 'accepts messages signed with the webhook key; refuses unsigned and wrongly signed ones',
  ping: 'answers the ping with 2xx {"pong": <the ping>} within 2 s',
  'raw-bytes': 'verifies the signature over the bytes received, as Metriport writes them',
  shapes: 'accepts what Metriport sends besides the happy path',
  types: 'accepts every message type, and types that do not exist yet',
  idempotency: 'accepts the same message again (retries keep meta.messageId)',
  size: 'accepts a large message (a patient with thousands of documents)',
  concurrency: 'keeps up when messages come together',
};

/** The fix for a slow endpoint starts with the sentence the issue asked for, word for word. */
export const ANSWER_FIRST = 'Metriport gives up after 5 s and marks the request failed; answer first, work after (queue it).';

export function checkWords(result: CheckResult, context: CheckWordsContext): CheckWords {
  const requirement = REQUIREMENTS[result.id];
  if (result.mark === 'not-judged') {
    return { requirement, summary: result.because === undefined ? 'not judged' : `not judged: ${result.because} failed` };
  }
  const finding = result.finding;
  if (finding === undefined) return { requirement, summary: requirement };
  const words = findingWords(finding, result, context);
  const slow = result.slow;
  return {
    requirement,
    ...words,
    ...(slow === undefined
      ? {}
      : {
          summary: `${words.summary}; but ${timings(slow.timings)}, over the 4 s the docs ask`,
          cause:
            'Delivered: Metriport waits 5 s. But its docs ask for 4 s, and at this pace a busier moment or a cold start loses messages.',
          fix: answerFirst(slow.stack),
        }),
    ...(result.next === undefined ? {} : { next: commandLine(result.next, context.hints) }),
  };
}

function findingWords(finding: Finding, result: CheckResult, context: CheckWordsContext): Omit<CheckWords, 'requirement'> {
  switch (finding.kind) {
    case 'reached':
      return {
        summary:
          finding.ping.outcome === 'answered'
            ? `a signed ping got ${finding.ping.status} in ${duration(finding.ping.durationMs)}`
            : 'no network error (the ping got no answer within 2 s: see ping and speed)',
      };
    case 'unreachable':
      return unreachableWords(finding.code, context.url);
    case 'no-route':
      return {
        summary: `POST ${pathOf(context.url)} got ${finding.status}: no such route`,
        cause: `The server answers, but not at this path for POST (${finding.status}): every message would fail with "Request failed with status code ${finding.status}".`,
        fix: 'Give the exact URL your app serves webhooks on, path and trailing slash included, and make that route take POST.',
      };
    case 'no-redirect':
      return { summary: 'answered at the URL itself, with no 3xx' };
    case 'redirect':
      return {
        summary: `got ${finding.status}${finding.location === undefined ? '' : ` to ${visible(finding.location)}`}`,
        cause: `Metriport does not follow redirects: every message would get ${finding.status} and be marked failed ("Request failed with status code ${finding.status}").`,
        fix:
          finding.location === undefined
            ? 'Register the URL your app really answers at (https, the exact path and trailing slash), or stop redirecting this route.'
            : `Register the URL the redirect points to (${visible(finding.location)}), or stop redirecting this route: check https, the path and the trailing slash.`,
      };
    case 'in-time':
      return {
        summary: `${finding.count} messages, one at a time: all answered within 5 s${slowestText(finding.slowest)}`,
      };
    case 'slower-than-docs':
      return {
        summary: `all ${finding.count} answered within 5 s, but ${timings(finding.slow)} over the 4 s the docs ask`,
        cause: 'Delivered: Metriport waits 5 s. But its docs ask for 4 s, and at this pace a busier moment or a cold start loses messages.',
        fix: answerFirst(finding.stack),
      };
    case 'timeout':
      return {
        summary: `no answer within 5 s to ${finding.timedOut.join(', ')}${finding.unsent > 0 ? ` (${finding.unsent} more types not sent)` : ''}`,
        cause: `${
          finding.answered > 0
            ? `Other messages were answered (${finding.answered}${slowestText(finding.slowestAnswered)}): these take too long. `
            : 'Not one message was answered in time: the endpoint works before it answers, or never answers. '
        }Metriport records such a request as failed ("timeout of 5000ms exceeded") and sends it again only when someone retries.`,
        fix: `${ANSWER_FIRST} ${answerFirst(finding.stack)}`,
      };
    case 'verifies':
      return {
        summary: `signed messages accepted; refused with ${finding.refusedWith.join(', ')}: no signature, another key's, another message's`,
      };
    case 'refuses-signed':
      return {
        summary: `refused correctly signed messages (${finding.statuses.join(', ')})`,
        cause: `Messages signed with the key this check used (from ${context.keyOrigin}) were refused: the endpoint verifies with another key, or computes the signature another way.`,
        fix: 'Verify with the webhook key of the account that sends (sandbox and production keys differ): x-metriport-signature is the lowercase hex HMAC-SHA256 of the raw body with that key.',
      };
    case 'fails-signed':
      return {
        summary: `answered ${finding.statuses.join(', ')} to correctly signed messages`,
        cause: `The endpoint fails on messages it should accept (${finding.statuses.join(', ')}): Metriport counts each as a failed delivery.`,
        fix: "Look in your app's log for the error on this route: once a message is verified and stored, answer 2xx.",
      };
    case 'accepts-forged':
      return {
        summary: `accepted ${finding.accepted.map(forgedText).join(', ')}`,
        cause: 'Anyone who knows the URL can post messages the endpoint takes as Metriport’s.',
        fix: 'Compute HMAC-SHA256 of the raw body with the webhook key, compare it with x-metriport-signature in constant time, and answer 401 with no body when they differ.',
      };
    case 'refuses-without-4xx':
      return {
        summary: `refused forgeries, with ${finding.statuses.join(', ')}`,
        cause: 'Refused, which is what matters; but an answer other than 4xx looks like a crash in logs and alerts.',
        fix: 'Answer 401 with no body to a missing or wrong signature.',
      };
    case 'pong':
      return {
        summary: `answered {"pong": <the ping>} in ${duration(finding.ms)}${
          finding.decoded.length > 0
            ? ` (read after undoing ${finding.decoded.map(decodedText).join(' and ')}, as Metriport's sender does)`
            : ''
        }`,
      };
    case 'ping-timeout':
      return {
        summary: 'no answer to the ping within 2 s',
        cause: "Metriport's ping gives up after 2 s: saving the URL then reports the webhook as not healthy.",
        fix: `Answer the ping at once, before any other work: when the body has "ping", reply 200 {"pong": body.ping}. ${answerFirst(finding.stack)}`,
      };
    case 'ping-refused':
      return {
        summary: `the ping got ${finding.status}`,
        cause: `The ping got ${finding.status} while messages are accepted: saving the URL in Metriport reports "Bad response from webhook call".`,
        fix: 'Verify the ping like any message, then answer 200 {"pong": body.ping}.',
      };
    case 'not-pong':
      return {
        summary: `the ping got ${oneLine(finding.answer) || 'an empty body'}`,
        cause:
          'The answer is not {"pong": <the ping value>} (as JSON, whatever its content-type): Metriport marks the webhook unhealthy ("Bad response from webhook call").',
        fix: 'When the body has "ping", answer JSON {"pong": body.ping}.',
      };
    case 'raw-bytes':
      return {
        summary:
          "accepted Metriport's bytes (non-ASCII text, its key order) and bytes it never writes (\\u00e9, \\/, 1.50, a 20-digit number)",
      };
    case 'verifies-reserialised':
      return {
        summary: 'accepted every message as Metriport writes it; refused bytes Metriport never writes',
        cause:
          "The endpoint verifies a re-serialised body (JSON.stringify of the parsed body), not the bytes received. It works today because Metriport's bytes are themselves JSON.stringify output; it breaks the day a message reaches you written another way (a proxy that re-encodes, a change of Metriport's serialiser, escapes such as \\u00e9 or \\/, 1.50, a 20-digit number).",
        fix: rawBody(finding.stack),
      };
    case 'refuses-real-bytes':
      return {
        summary: `refused a message as Metriport writes it, with non-ASCII text (${statusText(finding.status)})`,
        cause:
          finding.status === 401 || finding.status === 403
            ? 'ASCII messages verify and this one does not: the endpoint verifies a re-serialised body that writes non-ASCII text another way (Python’s json.dumps escapes it by default) or reorders keys, so its signature differs from Metriport’s. Real names, addresses and document titles are not ASCII.'
            : `The endpoint fails on non-ASCII text (${statusText(finding.status)}), which real names, addresses and document titles carry.`,
        fix: rawBody(finding.stack),
      };
    case 'shapes-accepted':
      return {
        summary: `${finding.shapes.length} real-world shapes, all 2xx: ${shapesText(finding.shapes)}${
          finding.leftToSpeed.length > 0 ? `; ${finding.leftToSpeed.join(', ')} unanswered (see speed)` : ''
        }`,
      };
    case 'shapes-refused':
      return {
        summary: `choked on ${finding.refused.map((item) => `${SHAPE_SHORT[item.shape]} (${statusText(item.status)})`).join(', ')}`,
        cause: `Metriport sends these: ${[...new Set(finding.refused.map((item) => SHAPE_WHY[item.shape]))].join('; ')}. Each refused one is a failed delivery.`,
        fix: `Answer 2xx to every verified message whatever its content, and handle the case in the work after: ${[
          ...new Set(finding.refused.map((item) => SHAPE_FIX[item.shape])),
        ].join('; ')}.`,
      };
    case 'types-accepted':
      return {
        summary: `${finding.count - 1} types and one that does not exist yet: all 2xx${slowestText(finding.slowest)}${
          finding.leftToShapes.length > 0
            ? `; ${finding.leftToShapes.map((item) => item.type).join(', ')} refused for ${[...new Set(finding.leftToShapes.map((item) => SHAPE_SHORT[item.shape]))].join(', ')} (see shapes)`
            : ''
        }${finding.unanswered.length > 0 ? `; ${finding.unanswered.join(', ')} unanswered (see speed)` : ''}`,
      };
    case 'types-refused':
      return {
        summary: `not accepted: ${finding.refused.map((item) => `${item.type} (${statusText(item.status)})`).join(', ')}`,
        cause: finding.unknownRefused
          ? 'A type Metriport adds later is refused: every message of a new type would count as a failed delivery.'
          : 'The endpoint fails on these types: each such message counts as a failed delivery.',
        fix: 'Answer 2xx to every verified message, also of a meta.type you do not handle (store or log it, then ignore it).',
      };
    case 'repeats-accepted':
      return { summary: 'the same meta.messageId again, and twice at once: 2xx each' };
    case 'repeat-refused':
      return {
        summary: `${finding.refused.map((item) => `${REPEAT_TEXT[item.copy]} got ${statusText(item.status)}`).join('; ')}`,
        cause:
          'Metriport resends a message with the same meta.messageId when a delivery is retried; refusing the repeat marks it failed again.',
        fix: 'Treat meta.messageId as an idempotency key: answer 2xx to a repeat and skip the work (an insert that ignores a duplicate key does both).',
      };
    case 'large-accepted':
      return { summary: `a ${humanBytes(finding.bytes)} document-download: 2xx in ${duration(finding.ms)}` };
    case 'large-refused':
      return {
        summary: `a ${humanBytes(finding.bytes)} document-download got ${statusText(finding.status)}`,
        cause:
          finding.status === 413
            ? 'The body is over the endpoint’s size limit; a document-download for a patient with thousands of documents passes 1 MB.'
            : `A large message was not accepted (${statusText(finding.status)}); a document-download for a patient with thousands of documents passes 1 MB.`,
        fix: bodyLimit(finding.stack),
      };
    case 'concurrency':
      return concurrencyWords(finding, result);
  }
}

function unreachableWords(code: string, url: string): Omit<CheckWords, 'requirement'> {
  const host = hostOf(url);
  if (code === 'ECONNREFUSED') {
    return {
      summary: `nothing listens at ${host} (ECONNREFUSED)`,
      cause: `Nothing accepts connections at ${host}.`,
      fix: 'Start your app, and check the host and port in the URL (wait for the app to listen before running check in CI).',
    };
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return {
      summary: `the host name does not resolve (${code})`,
      cause: `${host} has no address.`,
      fix: 'Check the host name; for Metriport it must resolve on the public internet.',
    };
  }
  if (/CERT|TLS|SSL/.test(code)) {
    return {
      summary: `the TLS certificate is not accepted (${code})`,
      cause: 'Metriport’s sender checks certificates as Node does: this one is expired, self-signed or for another name.',
      fix: 'Serve a certificate from a public CA that covers the host name.',
    };
  }
  return {
    summary: `the connection failed (${code})`,
    cause: `The connection to ${host} failed before an answer (${code}).`,
    fix: "Check the URL, and the app's log: something closes the connection on POST.",
  };
}

function concurrencyWords(finding: Extract<Finding, { kind: 'concurrency' }>, result: CheckResult): Omit<CheckWords, 'requirement'> {
  const summary = `answered in time: ${finding.levels
    .map((level) => `${level.inFlight === 1 ? 'one at a time' : `${level.inFlight} in flight`} ${level.withinLimit}/${level.sent}`)
    .join(' · ')}; slowest ${duration(Math.max(0, ...finding.levels.map((level) => level.maxMs)))}`;
  if (result.mark === 'pass') return { summary };
  const oneAtATime = finding.levels.find((level) => level.inFlight === 1);
  if (result.mark === 'fail' && oneAtATime !== undefined) {
    return {
      summary,
      cause: `One at a time, with 0–200 ms between them as Metriport's retry sends them, a message got ${oneAtATime.missed.map(statusText).join(', ')}: Metriport would mark it failed.`,
      fix: 'Accept messages that follow each other closely (no rate limit on this route below a few per second), and answer 2xx once a message is verified and stored.',
    };
  }
  const worst = [...finding.levels].reverse().find((level) => level.missed.length > 0);
  return {
    summary,
    cause: `Metriport sends one message at a time per flow, and those got through. A bulk import runs many flows at once: at ${worst?.inFlight ?? '?'} in flight ${worst?.missed.length ?? '?'} of ${worst?.sent ?? '?'} were not accepted within 5 s (${[...new Set(worst?.missed.map(statusText) ?? [])].join(', ')}), which Metriport would mark failed.`,
    fix: 'Answer first and queue the work, so an answer takes milliseconds whatever the load; or run more workers.',
  };
}

const STACK_NAMES: Readonly<Record<StackName, string>> = {
  express: 'Express',
  nextjs: 'Next.js',
  fastapi: 'FastAPI/Starlette',
  flask: 'Flask',
  django: 'Django',
  python: 'Python',
  rails: 'Rails',
  php: 'PHP',
  aspnet: 'ASP.NET Core',
};

function seenAs(stack: Stack): string {
  return `${STACK_NAMES[stack.name]} (${visible(stack.evidence)})`;
}

const ANSWER_FIRST_BY_STACK: Readonly<Record<StackName, string>> = {
  express:
    'verify, store the message, `res.sendStatus(200)`, and only then do the work, from a queue (BullMQ, SQS) or at least after the response.',
  nextjs: 'return the Response right after verifying and storing; run the work with `after()` from next/server or hand it to a queue.',
  fastapi:
    'return right after verifying and storing; `background_tasks.add_task(handle, payload)`, or a queue (Celery, RQ) for longer work.',
  flask: 'return 200 right after verifying and storing; hand the work to Celery or RQ (`handle.delay(payload)`).',
  django: 'return HttpResponse(status=200) right after verifying and storing; hand the work to Celery or django-q.',
  python: 'return 200 right after verifying and storing; hand the work to Celery or RQ.',
  rails: '`head :ok` right after verifying and storing; `HandleWebhookJob.perform_later(payload)` does the work.',
  php: 'answer 200 right after verifying and storing; dispatch the work to a queue (Laravel: `HandleWebhook::dispatch($payload)`).',
  aspnet: 'return Ok() right after verifying and storing; write the message to a Channel that a BackgroundService reads.',
};

function answerFirst(stack: Stack | undefined): string {
  if (stack === undefined) return 'Verify, store the message, answer 200, then do the work from a queue or background job.';
  return `${seenAs(stack)}: ${ANSWER_FIRST_BY_STACK[stack.name]}`;
}

const RAW_BODY_BY_STACK: Readonly<Record<StackName, string>> = {
  express:
    '`express.raw({ type: "application/json", limit: "50mb" })` on the webhook route (not express.json()); verify `req.body`, a Buffer, then JSON.parse it.',
  nextjs:
    '`const raw = await request.text()` in the route handler; verify it, then JSON.parse (Pages API: `bodyParser: false` and read the stream).',
  fastapi: '`raw = await request.body()`; verify `raw`, then `json.loads(raw)` — never `json.dumps` of the parsed body.',
  flask: '`raw = request.get_data()`; verify it before `request.get_json()` — never `json.dumps` of the parsed body.',
  django: 'verify `request.body` (bytes) before `json.loads` — never `json.dumps` of the parsed body.',
  python: "verify the request's raw bytes (`request.body`, `request.get_data()`) — never `json.dumps` of the parsed body.",
  rails: 'verify `request.raw_post` before parsing.',
  php: "verify `file_get_contents('php://input')` (Laravel: `$request->getContent()`) before json_decode.",
  aspnet: '`Request.EnableBuffering()`, read Request.Body into bytes and verify those before deserialising.',
};

function rawBody(stack: Stack | undefined): string {
  if (stack !== undefined) return `Verify the bytes received, before parsing. ${seenAs(stack)}: ${RAW_BODY_BY_STACK[stack.name]}`;
  return 'Verify the bytes received, before parsing: Express `express.raw({ type: "application/json" })` on the route (not express.json()); Fastify `addContentTypeParser("application/json", { parseAs: "buffer" }, …)`; Next.js `await request.text()`; Flask `request.get_data()`; Django `request.body`; FastAPI `await request.body()`.';
}

const BODY_LIMIT_BY_STACK: Readonly<Record<StackName, string>> = {
  express: '`express.raw({ type: "application/json", limit: "50mb" })` (the default limit is 100kb).',
  nextjs: 'Pages API: `export const config = { api: { bodyParser: { sizeLimit: "50mb" } } }`.',
  fastapi: 'raise the limit of any proxy in front (nginx `client_max_body_size 50m`).',
  flask: '`app.config["MAX_CONTENT_LENGTH"] = 50 * 1024 * 1024`, and any proxy in front (nginx `client_max_body_size 50m`).',
  django: '`DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024`, and any proxy in front (nginx `client_max_body_size 50m`).',
  python: 'the framework’s body limit and any proxy in front (nginx `client_max_body_size 50m`).',
  rails: 'any proxy in front (nginx `client_max_body_size 50m`).',
  php: '`post_max_size` in php.ini, and any proxy in front (nginx `client_max_body_size 50m`).',
  aspnet: 'Kestrel `MaxRequestBodySize` (default 30 MB) or `[RequestSizeLimit]` on the action.',
};

function bodyLimit(stack: Stack | undefined): string {
  const base = 'Accept bodies of tens of MB on this route';
  if (stack !== undefined) return `${base}. ${seenAs(stack)}: ${BODY_LIMIT_BY_STACK[stack.name]}`;
  return `${base}: the framework's limit (Express \`express.raw({ limit: "50mb" })\`, Fastify \`bodyLimit\`) and any proxy's (nginx \`client_max_body_size 50m\`).`;
}

const SHAPE_SHORT: Readonly<Record<ShapeId, string>> = {
  'conversion-before-download': 'a conversion before its download',
  'no-request-id': 'no meta.requestId',
  'empty-documents': 'documents: []',
  'failed-download': 'a failed document-download (no documents)',
  'failed-conversion': 'a failed document-conversion',
  'failed-consolidated': 'a failed consolidated-data (no bundle)',
  'failed-bulk-create': 'a failed bulk-patient-create',
  'failed-network-query': 'a failed network-query.hie',
  'with-meta-data': 'meta.data present',
  'without-meta-data': 'meta.data absent',
};

const SHAPE_WHY: Readonly<Record<ShapeId, string>> = {
  'conversion-before-download':
    'a document query sends its conversion and download messages without waiting for each other, in either order',
  'no-request-id': 'the sandbox sends document-conversion with no meta.requestId, and so does a stale-query check',
  'empty-documents': 'a document query with nothing new sends documents: []',
  'failed-download': 'a failed document query has no documents key at all',
  'failed-conversion': 'conversions fail',
  'failed-consolidated': 'a failed consolidated-data query has no bundle',
  'failed-bulk-create': 'bulk patient imports fail',
  'failed-network-query': 'network-query sources fail',
  'with-meta-data': 'meta.data carries the metadata you passed with the request',
  'without-meta-data': 'meta.data is there only when metadata was passed (and retries drop it)',
};

const SHAPE_FIX: Readonly<Record<ShapeId, string>> = {
  'conversion-before-download': 'do not assume the download came first (key on meta.requestId and accept either order)',
  'no-request-id': 'read meta.requestId as optional',
  'empty-documents': 'treat documents as optional and possibly empty',
  'failed-download': 'treat documents as optional and possibly empty',
  'failed-conversion': 'handle status "failed"',
  'failed-consolidated': 'handle status "failed" with no bundle',
  'failed-bulk-create': 'handle status "failed"',
  'failed-network-query': 'handle source.status "failed"',
  'with-meta-data': 'accept meta.data',
  'without-meta-data': 'read meta.data as optional',
};

/** The shapes in few words: the failed outcomes counted together. */
function shapesText(shapes: ShapeId[]): string {
  const failed = shapes.filter((shape) => shape.startsWith('failed-')).length;
  const others = shapes.filter((shape) => !shape.startsWith('failed-') && !shape.endsWith('meta-data')).map((shape) => SHAPE_SHORT[shape]);
  const metaData = shapes.includes('with-meta-data') && shapes.includes('without-meta-data') ? ['meta.data present and absent'] : [];
  return [...others, ...(failed > 0 ? [`${failed} failed outcomes`] : []), ...metaData].join(', ');
}

const REPEAT_TEXT = {
  first: 'the first copy',
  again: 'the same message again',
  'overlap-first': 'a message',
  'overlap-retry': 'its retry while the first was in flight',
} as const;

function forgedText(how: 'unsigned' | 'other-key' | 'other-signature'): string {
  switch (how) {
    case 'unsigned':
      return 'a message with no x-metriport-signature';
    case 'other-key':
      return 'a message signed with another key';
    case 'other-signature':
      return "a message with another message's signature";
  }
}

/** What a request was, in a few words. */
export function sentText(sent: Sent): string {
  switch (sent.kind) {
    case 'ping':
      return 'a signed ping';
    case 'message':
      return sent.type;
    case 'forged':
      return forgedText(sent.how);
    case 'real-bytes':
      return 'a document-download as Metriport writes it, with non-ASCII text';
    case 'trap':
      return 'bytes Metriport never writes (\\u00e9, \\/, 1.50, a 20-digit number, numeric keys)';
    case 'unknown-type':
      return `${sent.type} (a type that does not exist yet)`;
    case 'shape':
      return `${sent.type} with ${SHAPE_SHORT[sent.shape]}`;
    case 'repeat':
      return REPEAT_TEXT[sent.copy];
    case 'large':
      return `a ${humanBytes(sent.bytes)} document-download (${sent.documents} documents)`;
    case 'in-flight':
      return sent.inFlight === 1 ? 'a message, one at a time' : `${sent.inFlight} messages at once`;
  }
}

/** What came back, and when. */
export function gotText(exchange: Exchange): string {
  const took = ` in ${duration(exchange.durationMs)}`;
  switch (exchange.outcome) {
    case 'timeout':
      return `no answer within ${exchange.limitMs / 1000} s`;
    case 'network-error':
      return `${exchange.errorCode ?? 'network error'}${took}`;
    case 'stopped':
      return 'stopped before an answer';
    case 'answered': {
      const body = oneLine(exchange.body ?? '');
      const location = exchange.location === undefined ? '' : ` (Location: ${visible(exchange.location)})`;
      const decoded = exchange.decoded === undefined ? '' : ` (${exchange.decoded.map(decodedText).join(', ')})`;
      const undecodable = exchange.undecodable === undefined ? '' : ` (a ${exchange.undecodable} body that does not decode)`;
      return `${exchange.status}${body === '' ? '' : ` ${body}`}${location}${decoded}${undecodable}${took}`;
    }
  }
}

/** What a check is waiting for, for the spinner. */
export function waitingText(progress: { id: CheckId; sent: Sent; inFlight: number; limitMs: number }): string {
  const what = progress.inFlight > 1 && progress.sent.kind !== 'in-flight' ? `${progress.inFlight} at once` : sentText(progress.sent);
  return `${progress.id}: ${what} — waiting for the answer (up to ${progress.limitMs / 1000} s)`;
}

function decodedText(step: string): string {
  return step === 'bom' ? 'a UTF-8 BOM' : step;
}

function statusText(status: number | string): string {
  return status === 'timeout' ? 'no answer within 5 s' : String(status);
}

function timings(list: Timing[]): string {
  return list.map((item) => `${item.type} took ${duration(item.ms)}`).join(', ');
}

function slowestText(slowest: Timing | undefined): string {
  return slowest === undefined ? '' : `, slowest ${slowest.type} ${duration(slowest.ms)}`;
}

export function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function oneLine(text: string): string {
  const flat = visible(text.replace(/\s+/g, ' ').trim());
  return flat.length > 80 ? `${flat.slice(0, 80)}…` : flat;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
