import type { CheckResult } from '../check/results.js';
import { type CheckWordsContext, checkWords, gotText, sentText } from './check-words.js';
import type { CheckReport } from './commands/check.js';

/**
 * `check --junit <file>`: the run as JUnit XML, the format GitHub Actions (through a JUnit reporter action),
 * GitLab (`artifacts:reports:junit`) and Jenkins (`junit`) read. One `<testcase>` per planned check: a ✗ is a
 * `<failure>` whose text is what was sent, what came back, the cause and the fix; "not judged" (and what
 * Ctrl-C left unrun) is `<skipped>`; a warning passes, its words in `<system-out>`.
 */
export function checkJunitXml(report: CheckReport, context: Omit<CheckWordsContext, 'url' | 'keyOrigin'>, at: Date): string {
  const words: CheckWordsContext = { ...context, url: report.url, keyOrigin: report.keyOrigin };
  const decided = new Map(report.run.results.map((result) => [result.id, result]));
  const cases = report.run.planned.map((id) => {
    const result = decided.get(id);
    return result === undefined ? notRun(id) : testcase(result, words);
  });
  const count = (mark: string) => report.run.results.filter((result) => result.mark === mark).length;
  const failures = count('fail');
  const skipped = count('not-judged') + (report.run.planned.length - report.run.results.length);
  const attributes = `tests="${report.run.planned.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds(report.run.durationMs)}"`;
  const name = attribute(`metriport-webhook check ${report.url}`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${name}" ${attributes}>`,
    `  <testsuite name="${name}" ${attributes} timestamp="${at.toISOString().replace(/\.\d{3}Z$/, '')}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

const CLASS_NAME = 'metriport-webhook.check';

function testcase(result: CheckResult, context: CheckWordsContext): string {
  const words = checkWords(result, context);
  const open = `    <testcase classname="${CLASS_NAME}" name="${attribute(result.id)}" time="${seconds(result.durationMs ?? 0)}">`;
  const exchanges = result.exchanges.slice(0, 5).map((exchange) => `sent ${sentText(exchange.sent)} → ${gotText(exchange)}`);
  const detail = [
    `${words.requirement}: ${words.summary}`,
    ...exchanges,
    ...(words.cause === undefined ? [] : [`cause: ${words.cause}`]),
    ...(words.fix === undefined ? [] : [`fix: ${words.fix}`]),
    ...(words.next === undefined ? [] : [`run: ${words.next}`]),
  ].join('\n');
  switch (result.mark) {
    case 'fail':
      return `${open}\n      <failure message="${attribute(words.summary)}" type="${attribute(result.id)}">${text(detail)}</failure>\n    </testcase>`;
    case 'not-judged':
      return `${open}\n      <skipped message="${attribute(words.summary)}"/>\n    </testcase>`;
    case 'warning':
      return `${open}\n      <system-out>${text(`warning: ${detail}`)}</system-out>\n    </testcase>`;
    case 'pass':
      return `${open}\n      <system-out>${text(detail)}</system-out>\n    </testcase>`;
  }
}

function notRun(id: string): string {
  return `    <testcase classname="${CLASS_NAME}" name="${attribute(id)}" time="0">\n      <skipped message="not run: stopped by Ctrl-C"/>\n    </testcase>`;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** Characters XML 1.0 cannot hold at all (an answer's body can carry them): shown as \xNN instead. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing what XML forbids is the point
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

function text(value: string): string {
  return value
    .replace(NOT_XML, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
}

function attribute(value: string): string {
  return text(value).replaceAll('"', '&quot;').replaceAll('\n', '&#10;').replaceAll('\r', '&#13;').replaceAll('\t', '&#9;');
}
