import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { captureFileName, messageIdKey, messageIdKeyOfFile } from '../../src/capture/file-names.js';
import { colorLevel, createPalette } from '../../src/output/color.js';
import { visibleLength } from '../../src/output/fit.js';
import { createJsonSink } from '../../src/output/json-sink.js';
import { createLogSink, readinessLine } from '../../src/output/log-sink.js';
import { prettyJson } from '../../src/output/pretty-json.js';
import { createPrettySink, formatMessage, PREVIEW_LINES, PREVIEWS_PER_SECOND } from '../../src/output/pretty-sink.js';
import { jsonLine } from '../../src/output/visible.js';
import type { MessageOutcome } from '../../src/receiver/receiver.js';
import { loadSample } from '../../src/samples/samples.js';
import { createEventFilter } from '../../src/webhook/event-filter.js';
import type { ReceivedMessage } from '../../src/webhook/message.js';

const plain = createPalette(0);
const receivedAt = new Date('2026-11-28T10:11:12.345Z');
const sample = loadSample('medical.document-download');
const message: ReceivedMessage = {
  receivedAt,
  type: 'medical.document-download',
  messageId: '7a1e1f0c-3b52-4d8e-9a61-1d2c3b4a5f01',
  when: undefined,
  verifiedBy: 'signature',
  payload: sample,
  raw: Buffer.from(JSON.stringify(sample)),
  headers: {},
};

function collect() {
  const chunks: string[] = [];
  return { out: { write: (text: string | Buffer) => chunks.push(text.toString()) }, text: () => chunks.join('') };
}

/** The line the --json sink writes for one message, as a reader of stdout gets it, without its newline. */
function toJsonLine(received: ReceivedMessage): string {
  const { out, text } = collect();
  createJsonSink(out).write({ type: 'message', message: received, outcome: { status: 200, storedAs: undefined, forward: undefined } });
  expect(text().endsWith('\n')).toBe(true);
  return text().slice(0, -1);
}

describe('JSON lines', () => {
  it('have the documented shape and field order', () => {
    const line = toJsonLine(message);
    expect(Object.keys(JSON.parse(line))).toEqual(['receivedAt', 'type', 'messageId', 'verifiedBy', 'payload']);
    expect(JSON.parse(line)).toEqual({
      receivedAt: '2026-11-28T10:11:12.345Z',
      type: 'medical.document-download',
      messageId: '7a1e1f0c-3b52-4d8e-9a61-1d2c3b4a5f01',
      verifiedBy: 'signature',
      payload: sample,
    });
  });

  it('write only messages, one per line', () => {
    const { out, text } = collect();
    const sink = createJsonSink(out);
    sink.write({ type: 'ready', localUrl: 'http://127.0.0.1:1/webhook' });
    const outcome = { status: 200, storedAs: undefined, forward: undefined };
    sink.write({ type: 'message', message, outcome });
    sink.write({ type: 'warning', at: receivedAt, message: 'x' });
    sink.write({ type: 'message', message: { ...message, messageId: undefined }, outcome });
    const lines = text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1] ?? '').messageId).toBeNull();
  });

  it('embed the payload as received: big numbers kept, newlines folded, a BOM dropped, any depth', () => {
    const line = (raw: string | Buffer) => toJsonLine({ ...message, raw: Buffer.isBuffer(raw) ? raw : Buffer.from(raw) });
    expect(line('{"n":12345678901234567890}')).toContain('"payload":{"n":12345678901234567890}}');
    const pretty = JSON.stringify({ a: [1, { b: 'x\ny' }] }, null, 2);
    expect(line(pretty)).not.toMatch(/[\r\n]/);
    expect(JSON.parse(line(pretty)).payload).toEqual({ a: [1, { b: 'x\ny' }] });
    expect(JSON.parse(line(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]))).payload).toEqual({ a: 1 });
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(line(deep).endsWith(`${']'.repeat(100_000)}}`)).toBe(true);
  });
});

describe('terminal view', () => {
  const outcome: MessageOutcome = {
    status: 202,
    storedAs: '20261128T101112345Z_000001_medical.document-download_7a1e1f0c.json',
    forward: { kind: 'answered', url: 'http://127.0.0.1:3000/hook', status: 202, durationMs: 12, body: '' },
  };

  it('prints one line with the outcome (the file name only with --verbose), then a short preview', () => {
    const text = formatMessage(message, outcome, { palette: plain, preview: 'preview', footnote: true });
    const [header, ...rest] = text.split('\n');
    expect(header).toMatch(
      /^\d\d:\d\d:\d\d {2}medical\.document-download {2}7a1e1f0c {2}patient 0195d964-d166-7226-8912-76934c23c140 completed 2 docs {2}→ 202 · app 202 in 12 ms$/,
    );
    expect(text).not.toContain('20261128T101112345Z');
    expect(rest[0]).toBe('  {');
    expect(text.split('\n').length).toBeLessThanOrEqual(PREVIEW_LINES + 4);
    const verbose = formatMessage(message, outcome, { palette: plain, preview: 'none', verbose: true });
    expect(verbose.split('\n')[1]).toBe(
      `  stored 20261128T101112345Z_000001_medical.document-download_7a1e1f0c.json · ${(message.raw.length / 1024).toFixed(1)} KB`,
    );
  });

  it('fits the line to the terminal: the summary is cut (ids first shortened, words kept whole), nothing else', () => {
    for (const columns of [80, 100, 120]) {
      const [header] = formatMessage(message, outcome, { palette: createPalette(1), preview: 'none', columns }).split('\n');
      expect(visibleLength(header ?? '')).toBeLessThanOrEqual(columns - 1);
      expect(header).toContain('7a1e1f0c');
      expect(header).toContain('→ 202 · app 202 in 12 ms');
    }
    const at = (columns: number) => formatMessage(message, outcome, { palette: plain, preview: 'none', columns }).split('\n')[0];
    expect(at(120)).toMatch(/ {2}patient 0195d964… completed 2 docs {2}→/);
    expect(at(100)).toMatch(/ {2}patient 0195d964…( completed…)? {2}→/);
    // Too narrow for any of it: the summary goes, what was answered stays.
    expect(at(80)).toMatch(/7a1e1f0c {2}→ 202/);
  });

  it('shows a business failure (status "failed" inside the message) as a failure, though it was delivered', () => {
    const failedQuery = {
      ...message,
      payload: { meta: { type: 'medical.document-download' }, patients: [{ patientId: 'p-1', status: 'failed' }] },
    };
    const [header] = formatMessage(failedQuery, outcome, { palette: createPalette(1), preview: 'none' }).split('\n');
    expect(header).toContain(createPalette(1).red('patient p-1 failed'));
  });

  it('points a message at the first of its flow (same meta.requestId), with how long after it came', () => {
    const written: string[] = [];
    const sink = createPrettySink({ out: { write: (text) => written.push(String(text)) }, palette: plain, preview: 'none' });
    const ofFlow = (messageId: string, type: string, atMs: number, requestId = 'req-1') => ({
      ...message,
      messageId,
      type,
      receivedAt: new Date(atMs),
      payload: { meta: { messageId, requestId, type }, patients: [] },
    });
    sink.write({ type: 'message', message: ofFlow('aaaaaaaa-1', 'medical.document-download', 1000), outcome });
    sink.write({ type: 'message', message: ofFlow('bbbbbbbb-2', 'medical.document-conversion', 2500), outcome });
    sink.write({ type: 'message', message: ofFlow('cccccccc-3', 'patient.admit', 2600, 'req-2'), outcome });
    expect(written[0]).toMatch(/ {2}aaaaaaaa {2}/);
    expect(written[1]).toMatch(/ {2}bbbbbbbb ↳ aaaaaaaa \+1\.5 s {2}/);
    expect(written[2]).toMatch(/ {2}cccccccc {2}/);
  });

  it('says how to see more once: later cut previews end with …', () => {
    const big = { meta: { type: 'x' }, items: Array.from({ length: 50 }, (_, i) => ({ i })) };
    const written: string[] = [];
    const sink = createPrettySink({ out: { write: (text) => written.push(String(text)) }, palette: plain, preview: 'preview' });
    for (let index = 0; index < 3; index += 1) sink.write({ type: 'message', message: { ...message, payload: big }, outcome });
    expect(written.join('').match(/--full shows whole payloads/g)).toHaveLength(1);
    expect(written.at(-1)).toMatch(/\n {2}…\n\n$/);
  });

  it('thins previews past a burst, says so once, and shows them again the next second; --full never thins', () => {
    const render = (preview: 'preview' | 'full', arrivals: Date[]) => {
      const written: string[] = [];
      const sink = createPrettySink({ out: { write: (text) => written.push(String(text)) }, palette: plain, preview });
      for (const receivedAt of arrivals) sink.write({ type: 'message', message: { ...message, receivedAt }, outcome });
      return written;
    };
    const second = Date.parse('2026-11-29T10:00:00.000Z');
    const burst = Array.from({ length: PREVIEWS_PER_SECOND + 5 }, (_, index) => new Date(second + index));
    const written = render('preview', [...burst, new Date(second + 1000)]);
    const notes = written.filter((text) => text.includes('previews thinned'));
    expect(notes).toHaveLength(1);
    const messages = written.filter((text) => !text.includes('previews thinned'));
    const withPreview = (text: string) => text.split('\n').filter(Boolean).length > 1;
    expect(messages.slice(0, PREVIEWS_PER_SECOND).every(withPreview)).toBe(true);
    // The bucket refills continuously (30 a second): within the next few ms of the burst, at most one more.
    expect(messages.slice(PREVIEWS_PER_SECOND, -1).filter(withPreview).length).toBeLessThanOrEqual(1);
    expect(written.indexOf(notes[0] as string)).toBe(PREVIEWS_PER_SECOND);
    expect(withPreview(messages.at(-1) as string)).toBe(true);
    expect(render('full', burst).every(withPreview)).toBe(true);
  });

  it('cuts long payloads unless --full, and shows none with --no-preview', () => {
    const big = { meta: { type: 'x' }, items: Array.from({ length: 500 }, (_, i) => ({ i })) };
    const cut = formatMessage({ ...message, payload: big }, outcome, { palette: plain, preview: 'preview', footnote: true });
    expect(cut).toContain('--full shows whole payloads');
    const whole = formatMessage({ ...message, payload: big }, outcome, { palette: plain, preview: 'full' });
    expect(whole).not.toContain('--full');
    expect(whole.split('\n').length).toBeGreaterThan(1500);
    expect(formatMessage(message, outcome, { palette: plain, preview: 'none' }).split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('says the truth about a failed answer, and shows headers with --verbose (a legacy key masked)', () => {
    const failed: MessageOutcome = {
      status: 500,
      storedAs: undefined,
      forward: { kind: 'answered', url: 'http://a', status: 500, durationMs: 3, body: 'boom' },
    };
    expect(formatMessage(message, failed, { palette: plain, preview: 'none' })).toContain('→ 500 · app 500 in 3 ms');
    const headers = { 'user-agent': 'Metriport API', 'x-webhook-key': 'legacy-key-value-123456' };
    const verbose = formatMessage({ ...message, headers }, outcome, { palette: plain, preview: 'none', verbose: true });
    expect(verbose).toContain('  user-agent: Metriport API');
    expect(verbose).not.toContain('legacy-key-value-123456');
  });

  it('colours only when asked', () => {
    expect(formatMessage(message, outcome, { palette: plain, preview: 'preview' })).not.toContain('\u001b[');
    expect(formatMessage(message, outcome, { palette: createPalette(1), preview: 'preview' })).toContain('\u001b[');
  });

  it('renders JSON that parses back to the same value', () => {
    const value = { a: [1, 'two', null, true, { b: [] }], c: {}, 'd"e': -1.5 };
    const { lines, truncated } = prettyJson(value, { maxLines: Infinity, maxStringLength: Infinity, palette: plain });
    expect(truncated).toBe(false);
    expect(JSON.parse(lines.join('\n'))).toEqual(value);
  });

  it('shows every key and string as JSON writes it, with control characters escaped for the terminal', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (key, text) => {
        const [line] = prettyJson({ [key]: text }, { maxLines: Infinity, maxStringLength: Infinity, palette: plain }).lines.slice(1, 2);
        const expected = `  ${JSON.stringify(key)}: ${JSON.stringify(text)}`.replace(
          /[\u007f-\u009f]/g,
          (char) => `\\x${char.charCodeAt(0).toString(16)}`,
        );
        expect(line).toBe(expected);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
        expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      }),
    );
  });

  it('survives deeply nested payloads', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 50_000; i += 1) deep = [deep];
    const { lines, truncated } = prettyJson(deep, { maxLines: 10, maxStringLength: 200, palette: plain });
    expect(lines).toHaveLength(10);
    expect(truncated).toBe(true);
  });
});

describe('log lines', () => {
  it('print the fixed readiness line and the summary on stderr', () => {
    const { out, text } = collect();
    const sink = createLogSink({ err: out, palette: plain });
    sink.write({ type: 'ready', localUrl: 'http://127.0.0.1:4747/webhook' });
    sink.write({
      type: 'stopped',
      stats: { received: 5, verified: 4, rejected: 1, duplicates: 1, filtered: 1, stored: 2, forwarded: 0, forwardFailed: 0 },
    });
    sink.write({ type: 'message', message, outcome: { status: 200, storedAs: undefined, forward: undefined } });
    expect(text()).toContain(`${readinessLine('http://127.0.0.1:4747/webhook')}\n`);
    expect(readinessLine('http://127.0.0.1:4747/webhook')).toBe('Ready: listening on http://127.0.0.1:4747/webhook (Ctrl-C to stop)');
    expect(text()).toContain('Received 5, verified 4, rejected 1, duplicates 1, filtered 1, stored 2.');
    expect(text()).not.toContain('patients');
  });

  it("escape a warning's hint and a failed store's hint as they escape the message: both can name a folder from outside", () => {
    const { out, text } = collect();
    const sink = createLogSink({ err: out, palette: plain });
    const folder = 'captures\u001b]52;c;ZXZpbA==\u0007\u009b2J';
    sink.write({ type: 'warning', at: receivedAt, message: `git would take ${folder}`, hint: `Run git rm -r --cached ${folder}.` });
    const error = Object.assign(new Error(`Could not write ${folder}/x.json`), { hint: `Check ${folder}.` });
    sink.write({ type: 'store-failed', at: receivedAt, message, error });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    expect(text()).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(text()).toContain('Run git rm -r --cached captures\\x1b]52;c;ZXZpbA==\\x07\\x9b2J.');
    expect(text()).toContain('Check captures\\x1b]52;c;ZXZpbA==\\x07\\x9b2J.');
  });
});

describe("a command's --json line", () => {
  it('escapes DEL and C1 (which JSON.stringify leaves raw) and parses back to the same value', () => {
    const value = { file: 'a\u009b2J\u007fb\u001b]52;c;eA==\u0007', n: 1, nested: [{ s: '\u0085é✓' }] };
    const line = jsonLine(value);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    expect(line.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(line).toContain('a\\u009b2J\\u007fb\\u001b]52');
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toEqual(value);
  });
});

describe('the health line', () => {
  const health = (detail: string, forwarding: boolean) => {
    const { out, text } = collect();
    const sink = createLogSink({ err: out, palette: plain, forwarding, invocation: 'metriport-webhook' });
    sink.write({ type: 'webhook-health', at: new Date(), enabled: false, detail, processing: 0, failed: 0 });
    return text();
  };
  const failedSend = (status: number) =>
    `Failed to send payload ({"url":"https://x.ngrok-free.app/webhook","httpStatus":${status},"httpMessage":"Request failed with status code ${status}"})`;

  it('says the app refused the signature (a stale key) instead of blaming the tunnel, and how to get the key', () => {
    const line = health(failedSend(401), true);
    expect(line).toContain('your app (--forward-to) refused the signature');
    expect(line).toContain('`metriport-webhook key --show`');
    expect(line).not.toContain('public URL');
  });

  it('says the app is not running (502) or too slow (504) when forwarding, and blames the URL otherwise', () => {
    expect(health(failedSend(502), true)).toContain('your app (--forward-to) did not answer: is it running?');
    expect(health(failedSend(504), true)).toContain('your app (--forward-to) answered too late');
    const appError = health(failedSend(500), true);
    expect(appError).toContain('your app (--forward-to) answered 500: its log says why');
    expect(appError).not.toContain('public URL');
    expect(health(failedSend(401), false)).toContain('check that the public URL reaches this listener');
    expect(health('Bad response from webhook call', false)).toContain('answered without its pong');
  });
});

describe('capture file names', () => {
  it('sort by arrival and carry type and messageId verbatim', () => {
    const first = captureFileName({ receivedAt, sequence: 9, type: 'patient.admit', messageId: '7a1e1f0c-3b52-4d8e-9a61-1d2c3b4a5f06' });
    const second = captureFileName({ receivedAt, sequence: 10, type: 'medical.consolidated-data', messageId: 'a' });
    const later = captureFileName({ receivedAt: new Date(receivedAt.getTime() + 1), sequence: 1, type: 'a', messageId: 'b' });
    expect(first).toBe('20261128T101112345Z_000009_patient.admit_7a1e1f0c-3b52-4d8e-9a61-1d2c3b4a5f06.json');
    expect([later, second, first].sort()).toEqual([first, second, later]);
    expect(messageIdKeyOfFile(first)).toBe('7a1e1f0c-3b52-4d8e-9a61-1d2c3b4a5f06');
  });

  it.each(['with_underscore', 'slash/and space', '../../etc/passwd', 'ü', 'x'.repeat(300)])('keeps %j safe and recoverable', (id) => {
    const name = captureFileName({ receivedAt, sequence: 1, type: 'Weird Type/../x', messageId: id });
    expect(name).not.toContain('/');
    expect(name.length).toBeLessThan(255);
    expect(messageIdKeyOfFile(name)).toBe(messageIdKey(id));
  });

  it('ignores files that are not captures', () => {
    expect(messageIdKeyOfFile('.20261128T101112345Z_000001_a_b.json.tmp')).toBeUndefined();
    expect(messageIdKeyOfFile('notes.txt')).toBeUndefined();
    expect(messageIdKeyOfFile(captureFileName({ receivedAt, sequence: 1, type: 'a', messageId: undefined }))).toBeUndefined();
  });
});

describe('event filter', () => {
  it.each([
    [[], 'anything', true],
    [['medical.'], 'medical.consolidated-data', true],
    [['medical.*'], 'medical.consolidated-data', true],
    [['medical.'], 'patient.admit', false],
    [['patient.admit'], 'patient.admit', true],
    [['patient.admit'], 'patient.admitted', false],
  ])('%j matches %s: %s', (entries, type, matches) => {
    expect(createEventFilter(entries)(type)).toBe(matches);
  });
});

describe('colour level', () => {
  it.each([
    [{ isTTY: true, env: {} }, 2],
    [{ isTTY: false, env: {} }, 0],
    [{ isTTY: true, env: { NO_COLOR: '1' } }, 0],
    [{ isTTY: false, env: { FORCE_COLOR: '1' } }, 1],
    [{ isTTY: true, env: { NO_COLOR: '1', FORCE_COLOR: '3' } }, 3],
    [{ isTTY: true, env: { FORCE_COLOR: '0' } }, 0],
    [{ isTTY: true, env: { TERM: 'dumb' } }, 0],
  ])('%j → %d', (input, level) => {
    expect(colorLevel(input)).toBe(level);
  });
});
