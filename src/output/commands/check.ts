import type { ChalkInstance } from 'chalk';
import type { CheckId } from '../../check/check-ids.js';
import { DOCS_ANSWER_MS } from '../../check/judges.js';
import type { CheckProgress, CheckResult, CheckRun, Mark } from '../../check/results.js';
import { type CheckWordsContext, checkWords, duration, gotText, sentText, waitingText } from '../check-words.js';
import type { Renderer } from '../render.js';
import { jsonLine, visible } from '../visible.js';

/** The run, with what the words need: the URL, where the key came from, and where the JUnit file went. */
export interface CheckReport {
  url: string;
  keyOrigin: string;
  run: CheckRun;
  /** No check failed (warnings and "not judged" do not fail a run). */
  ok: boolean;
  /** Stopped by Ctrl-C: what was decided was printed as it came; the exit code is 130. */
  interrupted: boolean;
  junitFile?: string | undefined;
}

/** Before the checks run (what is checked, with which key), then each wait and each decided check. */
export type CheckEvent =
  | { type: 'checking'; url: string; keyOrigin: string; planned: CheckId[] }
  | Extract<CheckProgress, { type: 'waiting' }>
  | (Extract<CheckProgress, { type: 'decided' }> & { url: string; keyOrigin: string });

/** Marks a person tells apart at a glance, coloured where colour is on. */
const MARKS: Readonly<Record<Mark, { symbol: string; colour: 'green' | 'red' | 'yellow' | 'dim' }>> = {
  pass: { symbol: '✓', colour: 'green' },
  fail: { symbol: '✗', colour: 'red' },
  warning: { symbol: '⚠', colour: 'yellow' },
  'not-judged': { symbol: '–', colour: 'dim' },
};

/**
 * The report card, streamed: each check's block on stdout as soon as it is decided (one JSON object per
 * check with --json), the wait under way in a spinner on a terminal, and the tally on stderr.
 */
export const renderCheck: Renderer<CheckReport, CheckEvent> = {
  event(event, view) {
    if (event.type === 'checking') {
      return view.json
        ? {}
        : {
            stderr: `Checking ${visible(event.url)} against Metriport's requirements (invented samples, signed with the key from ${event.keyOrigin})…\n`,
          };
    }
    if (event.type === 'waiting') return view.json ? {} : { waiting: waitingText(event) };
    const context: CheckWordsContext = { url: event.url, keyOrigin: event.keyOrigin, hints: view.hints };
    if (view.json) return { stdout: jsonLine(checkJson(event.result, context)) };
    // The spinner no longer says what the decided check waited for.
    return { stdout: formatCheck(event.result, view.out, context), waiting: 'checking…' };
  },
  result(report) {
    const junit = report.junitFile === undefined ? '' : `\nJUnit report: ${visible(report.junitFile)}`;
    return { waited: { ok: report.ok && !report.interrupted, text: `${tallyText(report)}${junit}` } };
  },
};

/** One check as a JSON line: its data, and the same words the terminal shows. */
export function checkJson(result: CheckResult, context: CheckWordsContext): Record<string, unknown> {
  const words = checkWords(result, context);
  return {
    id: result.id,
    mark: result.mark,
    ok: result.mark === 'not-judged' ? null : result.mark !== 'fail',
    requirement: words.requirement,
    summary: words.summary,
    ...(words.cause === undefined ? {} : { cause: words.cause }),
    ...(words.fix === undefined ? {} : { fix: words.fix }),
    ...(words.next === undefined ? {} : { next: words.next }),
    ...(result.because === undefined ? {} : { because: result.because }),
    ...(result.durationMs === undefined ? {} : { durationMs: result.durationMs }),
    ...(result.finding === undefined ? {} : { finding: result.finding }),
    exchanges: result.exchanges.map((exchange) => ({ ...exchange, sentText: sentText(exchange.sent), got: gotText(exchange) })),
  };
}

/**
 * One check on the terminal: mark, name and what it found on one line; for a ✗ or a warning, what was sent and
 * what came back, the cause and the fix, once each.
 */
export function formatCheck(result: CheckResult, palette: ChalkInstance, context: CheckWordsContext): string {
  const words = checkWords(result, context);
  const mark = MARKS[result.mark];
  const head = `${palette[mark.colour](mark.symbol)} ${palette.bold(result.id.padEnd(12))}${
    result.mark === 'not-judged' ? palette.dim(words.summary) : visible(words.summary)
  }`;
  if (result.mark === 'pass' || result.mark === 'not-judged') return `${head}\n`;
  const lines = [head];
  // A few requests are all shown; of many (speed's nineteen), the ones that went wrong or were slow.
  const telling = result.exchanges.filter(
    (exchange) => exchange.outcome !== 'answered' || (exchange.status ?? 0) >= 300 || exchange.durationMs > DOCS_ANSWER_MS,
  );
  const shown = result.exchanges.length <= 3 || telling.length === 0 ? result.exchanges : telling;
  for (const exchange of shown.slice(0, 3)) {
    lines.push(palette.dim(`    sent ${visible(sentText(exchange.sent))} → ${gotText(exchange)}`));
  }
  const label = result.mark === 'warning' ? 'why:  ' : 'cause:';
  if (words.cause !== undefined) lines.push(`    ${label} ${visible(words.cause)}`);
  if (words.fix !== undefined) lines.push(`    fix:   ${visible(words.fix)}`);
  if (words.next !== undefined) lines.push(`    run:   ${words.next}`);
  return `${lines.join('\n')}\n`;
}

/** The closing line: what passed, failed, warned and was not judged, or where Ctrl-C stopped it. */
export function tallyText(report: CheckReport): string {
  const { results, planned } = report.run;
  const ids = (mark: Mark) => results.filter((result) => result.mark === mark).map((result) => result.id);
  const failed = ids('fail');
  const warned = ids('warning');
  const notJudged = ids('not-judged');
  const took = ` (${duration(report.run.durationMs)})`;
  const warnings =
    warned.length === 0
      ? ''
      : `; ${warned.length} warning${warned.length === 1 ? '' : 's'} (${warned.join(', ')}): warnings do not fail the run`;
  if (report.interrupted) {
    const notRun = planned.filter((id) => !results.some((result) => result.id === id));
    return `Stopped by Ctrl-C after ${results.length} of ${planned.length} checks: ${failed.length} failed${
      failed.length > 0 ? ` (${failed.join(', ')})` : ''
    }${warnings}; not run: ${notRun.join(', ')}.`;
  }
  if (failed.length === 0) return `All ${results.length} checks passed${warnings}${took}.`;
  return `${failed.length} of ${results.length} checks failed: ${failed.join(', ')}${
    notJudged.length > 0 ? `; ${notJudged.length} not judged because of it` : ''
  }${warnings}${took}.`;
}
