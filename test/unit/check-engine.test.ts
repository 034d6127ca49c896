import type { IncomingHttpHeaders } from 'node:http';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { decodeAnswer, detectStack } from '../../src/check/answer.js';
import { type CheckId, withPrerequisites } from '../../src/check/check-ids.js';
import { metriportBytes, realBytes, trapBytes } from '../../src/check/messages.js';
import type { CheckProgress, CheckRun, Mark } from '../../src/check/results.js';
import { runChecks } from '../../src/check/run-checks.js';
import { HttpFailure, type SendHttp } from '../../src/http/send-http.js';
import { checkJunitXml } from '../../src/output/check-junit.js';
import { ANSWER_FIRST, checkWords } from '../../src/output/check-words.js';
import { createPalette } from '../../src/output/color.js';
import { formatCheck, tallyText } from '../../src/output/commands/check.js';
import { newSampleMessage } from '../../src/samples/samples.js';
import { APP_KEY, APPS, type AppState, type Handler } from '../helpers/webhook-apps.js';

// The engine against the test apps' handlers through a fake transport and a clock that only moves when an
// answer takes time: every verdict is decided as Metriport's sender would, without a socket or a wait.

const URL = 'http://127.0.0.1:3000/webhook';
const words = { url: URL, keyOrigin: '--webhook-key', hints: { invocation: 'metriport-webhook' } };

function fakeTransport(handler: Handler, clock: { t: number }, log: string[]): SendHttp {
  const state: AppState = { seen: new Set() };
  return async (request) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body ?? '');
    const headers: IncomingHttpHeaders = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]),
    );
    const answer = handler({ raw, headers }, state);
    const type = /"type":"([^"]+)"/.exec(raw.toString())?.[1] ?? '?';
    log.push(type);
    await Promise.resolve();
    if (request.signal?.aborted) throw new HttpFailure('ABORTED', 'stopped');
    if (answer.hang || (answer.delayMs ?? 0) >= request.timeoutMs) {
      clock.t += request.timeoutMs;
      throw new HttpFailure('TIMEOUT', `no answer within ${request.timeoutMs} ms`);
    }
    clock.t += answer.delayMs ?? 2;
    const body = answer.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(answer.body) ? answer.body : Buffer.from(answer.body);
    return {
      status: answer.status,
      headers: Object.fromEntries(Object.entries(answer.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value])),
      body,
      truncated: false,
    };
  };
}

async function check(
  handler: Handler,
  options: { only?: CheckId[]; signal?: AbortSignal; onProgress?: (progress: CheckProgress) => void } = {},
) {
  const clock = { t: Date.parse('2026-12-05T10:00:00Z') };
  const sent: string[] = [];
  const progress: CheckProgress[] = [];
  const run = await runChecks(
    { url: URL, webhookKey: APP_KEY, only: options.only ?? [], largeBytes: 256 * 1024, inFlight: [1, 5, 20] },
    {
      send: fakeTransport(handler, clock, sent),
      now: () => clock.t,
      sleep: async () => undefined,
      random: () => 0.5,
      signal: options.signal ?? new AbortController().signal,
      onProgress: (item) => {
        progress.push(item);
        options.onProgress?.(item);
      },
    },
  );
  const marks = Object.fromEntries(run.results.map((result) => [result.id, result.mark])) as Record<CheckId, Mark>;
  const result = (id: CheckId) => {
    const found = run.results.find((item) => item.id === id);
    if (found === undefined) throw new Error(`${id} was not decided`);
    return { ...found, words: checkWords(found, words) };
  };
  return { run, marks, result, sent, progress, elapsedMs: run.durationMs };
}

const failing = (marks: Record<string, Mark>) => Object.keys(marks).filter((id) => marks[id] === 'fail');
const others = (marks: Record<string, Mark>, except: string) =>
  [
    ...new Set(
      Object.entries(marks)
        .filter(([id]) => id !== except)
        .map(([, mark]) => mark),
    ),
  ].sort();

describe('check: one ✗ per single-fault endpoint, on its cause, with its fix', () => {
  it('a correct endpoint passes all eleven checks', async () => {
    const { marks } = await check(APPS.correct);
    expect(Object.values(marks)).toEqual(Array(11).fill('pass'));
  });

  it.each<{ name: string; handler: Handler; id: CheckId; summary: RegExp; fix: RegExp }>([
    {
      name: '6 s per message',
      handler: APPS.slow,
      id: 'speed',
      summary: /no answer within 5 s to medical\.document-download/,
      fix: /^Metriport gives up after 5 s and marks the request failed; answer first, work after \(queue it\)\./,
    },
    {
      name: 'never answers a message',
      handler: APPS.neverAnswers,
      id: 'speed',
      summary: /no answer within 5 s/,
      fix: /answer first, work after/,
    },
    {
      name: 'a wrong key',
      handler: APPS.wrongKey,
      id: 'signatures',
      summary: /refused correctly signed messages \(401\)/,
      fix: /lowercase hex HMAC-SHA256 of the raw body/,
    },
    {
      name: 'a 302',
      handler: APPS.redirects,
      id: 'redirects',
      summary: /got 302 to https:\/\/app\.example\.com\/webhook\//,
      fix: /Register the URL the redirect points to/,
    },
    {
      name: 'Python-style re-serialising',
      handler: APPS.pythonStyle,
      id: 'raw-bytes',
      summary: /refused a message as Metriport writes it, with non-ASCII text \(401\)/,
      fix: /Verify the bytes received, before parsing/,
    },
    {
      name: '500 on duplicates',
      handler: APPS.duplicates500,
      id: 'idempotency',
      summary: /the same message again got 500/,
      fix: /idempotency key/,
    },
    {
      name: 'no meta.requestId',
      handler: APPS.needsRequestId,
      id: 'shapes',
      summary: /choked on no meta\.requestId \(500\)/,
      fix: /read meta\.requestId as optional/,
    },
    {
      name: 'documents: []',
      handler: APPS.needsDocuments,
      id: 'shapes',
      summary: /choked on documents: \[\] \(500\), a failed document-download \(no documents\) \(500\)/,
      fix: /treat documents as optional/,
    },
  ])('$name: only $id fails', async ({ handler, id, summary, fix }) => {
    const { marks, result } = await check(handler);
    expect(failing(marks)).toEqual([id]);
    expect(others(marks, id).every((mark) => mark === 'pass' || mark === 'not-judged')).toBe(true);
    expect(result(id).words.summary).toMatch(summary);
    expect(result(id).words.fix).toMatch(fix);
    expect(result(id).words.cause).toBeTruthy();
  });

  it('what depends on a failed check says which one failed, and sends nothing', async () => {
    const { marks, result, sent } = await check(APPS.redirects);
    expect(marks).toMatchObject({ reachable: 'pass', redirects: 'fail', speed: 'not-judged', concurrency: 'not-judged' });
    expect(result('types').words.summary).toBe('not judged: redirects failed');
    // The ping and the first message: nothing more goes to an endpoint that redirects.
    expect(sent).toHaveLength(2);
  });

  it('a wrong key suggests the command that shows the account key, as data', async () => {
    const { result } = await check(APPS.wrongKey);
    expect(result('signatures').next).toEqual({ command: 'key', sameApi: true });
    expect(result('signatures').words.next).toBe('metriport-webhook key');
    expect(result('signatures').words.cause).toMatch(/from --webhook-key/);
  });

  it('nothing listening is a ✗ on reachable with the way to start it', async () => {
    const refused: SendHttp = async () => {
      throw new HttpFailure('ECONNREFUSED', 'nothing listens there (ECONNREFUSED)');
    };
    const run = await runChecks(
      { url: URL, webhookKey: APP_KEY, only: [], largeBytes: 1024, inFlight: [1] },
      {
        send: refused,
        now: () => 0,
        sleep: async () => undefined,
        random: () => 0,
        signal: new AbortController().signal,
        onProgress: () => undefined,
      },
    );
    expect(run.results.map((result) => result.mark)).toEqual(['fail', ...Array(10).fill('not-judged')]);
    expect(checkWords(run.results[0] as never, words).summary).toBe('nothing listens at 127.0.0.1:3000 (ECONNREFUSED)');
  });
});

describe('speed: every answer is timed, and a timeout is never a pass', () => {
  it('--only speed against an endpoint that never answers a message fails, with its prerequisites shown (#24 item 12)', async () => {
    const { marks } = await check(APPS.neverAnswers, { only: ['speed'] });
    expect(marks).toEqual({ reachable: 'pass', redirects: 'pass', speed: 'fail' });
  });

  it('a slow endpoint costs two timeouts, not one per check', async () => {
    const { sent, elapsedMs, result } = await check(APPS.slow);
    expect(sent).toEqual(['ping', 'medical.document-download', 'devices.health-data']);
    expect(elapsedMs).toBeLessThanOrEqual(10_100);
    expect(result('speed').words.summary).toMatch(/\(17 more types not sent\)/);
  });

  it('a type that takes 6 s is named; the other types are still judged', async () => {
    const slowOne: Handler = (request, state) => {
      const answer = APPS.correct(request, state);
      return request.raw.includes('"type":"medical.consolidated-data"') ? { ...answer, delayMs: 6000 } : answer;
    };
    const { marks, result } = await check(slowOne);
    expect(failing(marks)).toEqual(['speed']);
    expect(result('speed').words.summary).toBe('no answer within 5 s to medical.consolidated-data');
    expect(result('speed').words.cause).toMatch(/^Other messages were answered \(18, slowest/);
    expect(marks.types).toBe('pass');
    expect(result('types').words.summary).toMatch(/medical\.consolidated-data unanswered \(see speed\)/);
  });

  it('an answer between 4 and 5 s is delivered, slower than the docs ask: a warning', async () => {
    const sluggish: Handler = (request, state) => ({ ...APPS.correct(request, state), delayMs: request.raw.includes('"ping"') ? 0 : 4500 });
    const { marks, result } = await check(sluggish, { only: ['speed'] });
    expect(marks.speed).toBe('warning');
    expect(result('speed').words.summary).toMatch(/all 19 answered within 5 s, but medical\.document-download took 4\.5 s/);
    expect(result('speed').words.cause).toMatch(/^Delivered: Metriport waits 5 s/);
    // Of the nineteen requests, the report shows the slow ones.
    const text = formatCheck(result('speed'), createPalette(0), words);
    expect(text).toMatch(/^⚠ speed {7}all 19 answered/);
    expect(text).toMatch(/\n {4}sent medical\.document-download → 200 in 4\.5 s\n {4}sent devices\.health-data → 200 in 4\.5 s\n/);
    expect(text).toMatch(/\n {4}why: {3}Delivered/);
  });

  it("a later check's own slow answer is named too: a 4.6 s answer to the large message warns on size", async () => {
    const slowOnLarge: Handler = (request, state) => ({
      ...APPS.correct(request, state),
      delayMs: request.raw.length > 100_000 ? 4600 : 0,
    });
    const { marks, result } = await check(slowOnLarge);
    expect(failing(marks)).toEqual([]);
    expect(Object.entries(marks).filter(([, mark]) => mark === 'warning')).toEqual([['size', 'warning']]);
    expect(result('size').words.summary).toMatch(
      /^a 25\d\.\d KB document-download: 2xx in 4\.6 s; but medical\.document-download took 4\.6 s, over the 4 s the docs ask$/,
    );
    expect(result('size').words.fix).toMatch(/answer 200, then do the work/);
  });

  it('the fix names the stack the answer says it runs on', async () => {
    const express: Handler = (request, state) => {
      const answer = APPS.slow(request, state);
      return { ...answer, headers: { ...answer.headers, 'x-powered-by': 'Express' } };
    };
    const { result } = await check(express);
    expect(result('speed').words.fix).toMatch(/Express \(x-powered-by: Express\): verify, store the message, `res\.sendStatus\(200\)`/);
    expect(result('speed').words.fix?.startsWith(ANSWER_FIRST)).toBe(true);
  });
});

describe('judged as Metriport sends and reads', () => {
  it('JSON.stringify(req.body) verifies everything Metriport writes: a warning on raw-bytes that says why, not a ✗', async () => {
    const { marks, result } = await check(APPS.reserialised);
    expect(failing(marks)).toEqual([]);
    expect(marks['raw-bytes']).toBe('warning');
    expect(result('raw-bytes').words.cause).toMatch(
      /works today because Metriport's bytes are themselves JSON\.stringify output; it breaks the day/,
    );
  });

  it.each([
    { name: 'a UTF-8 BOM', handler: APPS.bomPong, summary: /read after undoing a UTF-8 BOM/ },
    { name: 'gzip', handler: APPS.gzipPong, summary: /read after undoing gzip/ },
  ])('a pong with $name is healthy for Metriport (axios undoes it)', async ({ handler, summary }) => {
    const { marks, result } = await check(handler, { only: ['ping'] });
    expect(marks.ping).toBe('pass');
    expect(result('ping').words.summary).toMatch(summary);
  });

  it("Metriport's bytes: meta in code order, the payload in JSONB key order, and JSON.stringify leaves them as they are", () => {
    const bytes = metriportBytes(newSampleMessage('medical.document-download', new Date()) as never).toString();
    expect(bytes).toMatch(/^\{"meta":\{"messageId":"[^"]+","requestId":"[^"]+","when":"[^"]+","type":"medical\.document-download","data":/);
    expect(bytes).toMatch(/"patients":\[\{"status":"completed","documents":\[\{"id":"[^"]+","size":48213,"type":\{"text":/);
    expect(bytes).toMatch(/"description":"Summary of care"\}\],"patientId":"[^"]+","externalId":"ext-1001"\}\]\}$/);
    const real = realBytes((type, outcome) => newSampleMessage(type, new Date(), outcome) as never).toString();
    expect(real).toMatch(/Clínica São José/);
    expect(JSON.stringify(JSON.parse(real))).toBe(real);
    const trap = trapBytes((type, outcome) => newSampleMessage(type, new Date(), outcome) as never).toString();
    expect(trap).toMatch(/R\\u00e9sum\\u00e9 \\\/ discharge/);
    expect(trap).toMatch(/"size":48213\.50/);
    expect(trap).toMatch(/"size":12345678901234567890/);
    expect(JSON.stringify(JSON.parse(trap))).not.toBe(trap);
  });

  it('an answer is decoded as axios decodes it; the stack is read from its headers', () => {
    expect(decodeAnswer({ body: Buffer.from('\uFEFF{"pong":"x"}'), headers: {}, truncated: false })).toEqual({
      text: '{"pong":"x"}',
      decoded: ['bom'],
    });
    expect(decodeAnswer({ body: Buffer.from('not gzip'), headers: { 'content-encoding': 'gzip' }, truncated: false }).undecodable).toBe(
      'gzip',
    );
    expect(detectStack({ server: 'uvicorn' })).toEqual({ name: 'fastapi', evidence: 'server: uvicorn' });
    expect(detectStack({ poweredBy: 'Next.js' })?.name).toBe('nextjs');
    expect(detectStack({ server: 'nginx' })).toBeUndefined();
  });
});

describe('progress and interruption', () => {
  it('each check is announced while it waits and reported once decided, in dependency order', async () => {
    const { progress, run } = await check(APPS.correct);
    const decided = progress.filter((item) => item.type === 'decided').map((item) => (item.type === 'decided' ? item.result.id : ''));
    expect(decided).toEqual(run.planned);
    const firstWait = progress.findIndex((item) => item.type === 'waiting' && item.id === 'speed');
    const speedDecided = progress.findIndex((item) => item.type === 'decided' && item.result.id === 'speed');
    expect(firstWait).toBeLessThan(speedDecided);
  });

  it('--only adds what a check needs, in run order', () => {
    expect(withPrerequisites(['ping'])).toEqual(['reachable', 'redirects', 'speed', 'signatures', 'ping']);
    expect(withPrerequisites(['redirects'])).toEqual(['reachable', 'redirects']);
  });

  it('an abort stops the run: what was decided stays, the check under way is dropped', async () => {
    const controller = new AbortController();
    const { run } = await check(APPS.correct, {
      signal: controller.signal,
      onProgress: (item) => {
        if (item.type === 'waiting' && item.id === 'raw-bytes') controller.abort();
      },
    });
    expect(run.interrupted).toBe(true);
    expect(run.results.map((result) => result.id)).toEqual(['reachable', 'redirects', 'speed', 'signatures', 'ping']);
    expect(tallyText({ url: URL, keyOrigin: 'x', run, ok: true, interrupted: true })).toMatch(
      /^Stopped by Ctrl-C after 5 of 11 checks: 0 failed; not run: raw-bytes, shapes, types, idempotency, size, concurrency\.$/,
    );
  });
});

describe('the report', () => {
  it('a ✗ says what was sent, what came back, the cause and the fix, once each', async () => {
    const { run } = await check(APPS.redirects);
    const text = run.results.map((result) => formatCheck(result, createPalette(0), words)).join('');
    expect(text).toMatch(/^✓ reachable {3}a signed ping got 302 in \d+ ms$/m);
    expect(text).toMatch(
      /^✗ redirects {3}got 302 to https:\/\/app\.example\.com\/webhook\/\n {4}sent a signed ping → 302 \(Location: https:\/\/app\.example\.com\/webhook\/\) in \d+ ms\n {4}cause: .+\n {4}fix: {3}.+$/m,
    );
    expect(text).toMatch(/^– speed {7}not judged: redirects failed$/m);
    expect(text.match(/cause:/g)).toHaveLength(1);
  });

  it('a passing line says what was covered', async () => {
    const { result } = await check(APPS.correct);
    expect(result('types').words.summary).toMatch(/^19 types and one that does not exist yet: all 2xx, slowest \S+ \d+ ms$/);
    expect(result('speed').words.summary).toMatch(/^19 messages, one at a time: all answered within 5 s, slowest/);
    expect(result('concurrency').words.summary).toMatch(/^answered in time: one at a time 5\/5 · 5 in flight 5\/5 · 20 in flight 20\/20/);
  });

  it('the JUnit report parses, with one testcase per check, failures and skips', async () => {
    const { run } = await check(APPS.wrongKey);
    const xml = checkJunitXml(
      { url: `${URL}?a=1&b="2"`, keyOrigin: '--webhook-key', run, ok: false, interrupted: false },
      { hints: words.hints },
      new Date(0),
    );
    expect(XMLValidator.validate(xml)).toBe(true);
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' }).parse(xml);
    const suite = parsed.testsuites.testsuite;
    expect(suite).toMatchObject({ tests: '11', failures: '1', skipped: '7', errors: '0' });
    expect(suite.name).toBe(`metriport-webhook check ${URL}?a=1&b="2"`);
    const cases = suite.testcase as Array<Record<string, any>>;
    expect(cases.map((item) => item.name)).toEqual(run.planned);
    expect(cases.find((item) => item.name === 'signatures')?.failure.message).toMatch(/refused correctly signed messages/);
    expect(cases.find((item) => item.name === 'signatures')?.failure['#text']).toMatch(
      /fix: Verify with the webhook key[\s\S]*run: metriport-webhook key/,
    );
    expect(cases.filter((item) => item.skipped !== undefined).map((item) => item.skipped.message)).toEqual(
      Array(7).fill('not judged: signatures failed'),
    );
  });

  it('an interrupted run leaves the unrun checks skipped in the JUnit report', async () => {
    const run: CheckRun = { results: [], planned: ['reachable', 'redirects'], interrupted: true, durationMs: 3 };
    const xml = checkJunitXml({ url: URL, keyOrigin: 'x', run, ok: true, interrupted: true }, { hints: words.hints }, new Date(0));
    expect(new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml).testsuites.testsuite).toMatchObject({
      tests: '2',
      skipped: '2',
    });
  });
});
