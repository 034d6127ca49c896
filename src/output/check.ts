import type { ChalkInstance } from 'chalk';
import type { CheckResult } from '../check/checks.js';
import { visible } from './visible.js';

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
