import type { ChalkInstance } from 'chalk';
import type { CheckResult } from '../../check/checks.js';
import type { Renderer } from '../render.js';
import { visible } from '../visible.js';

/** Every check that ran, in order. */
export interface CheckReport {
  results: CheckResult[];
  ok: boolean;
}

/** Before the checks run: what is checked, and with which key. */
export interface CheckEvent {
  type: 'checking';
  url: string;
  keyOrigin: string;
}

/** The report card: one block per check on stdout (a JSON line each with --json), the tally on stderr. */
export const renderCheck: Renderer<CheckReport, CheckEvent> = {
  event: (event, view) =>
    view.json
      ? {}
      : { stderr: `Checking ${event.url} against Metriport's requirements (invented samples, signed with ${event.keyOrigin})…\n` },
  result({ results }, view) {
    const stdout = results.map((result) => (view.json ? `${JSON.stringify(result)}\n` : formatCheck(result, view.out))).join('');
    if (view.json) return { stdout };
    const failed = results.filter((result) => !result.ok);
    const tally =
      failed.length === 0
        ? `All ${results.length} checks passed.`
        : `${failed.length} of ${results.length} checks failed: ${failed.map((result) => result.id).join(', ')}.`;
    return { stdout, stderr: `${tally}\n` };
  },
};

/** One requirement of the report card: ✓/✗, what was asked, what was sent and what came back, and for a ✗ why and how to fix it. */
export function formatCheck(result: CheckResult, palette: ChalkInstance): string {
  const mark = result.ok ? palette.green('✓') : palette.red('✗');
  const lines = [`${mark} ${palette.bold(result.id)}  ${result.requirement}`];
  const shown = result.ok ? result.exchanges.slice(0, 2) : result.exchanges.filter((exchange) => !/^2\d\d/.test(exchange.got)).slice(0, 4);
  for (const exchange of shown) {
    lines.push(
      palette.dim(
        `    sent ${visible(exchange.sent)} → ${visible(exchange.got)}${exchange.location ? ` (Location: ${visible(exchange.location)})` : ''} in ${exchange.durationMs} ms`,
      ),
    );
  }
  if (result.timings !== undefined && !result.ok) {
    for (const row of result.timings) lines.push(palette.dim(`    ${visible(row.type)}: p50 ${row.p50Ms} ms, max ${row.maxMs} ms`));
  } else if (result.timings !== undefined) {
    const slowest = [...result.timings].sort((a, b) => b.maxMs - a.maxMs)[0];
    if (slowest !== undefined) lines.push(palette.dim(`    slowest: ${visible(slowest.type)} at ${slowest.maxMs} ms`));
  }
  if (!result.ok) {
    if (result.cause !== undefined) lines.push(`    cause: ${visible(result.cause)}`);
    if (result.fix !== undefined) lines.push(`    fix:   ${visible(result.fix)}`);
  }
  return `${lines.join('\n')}\n`;
}
