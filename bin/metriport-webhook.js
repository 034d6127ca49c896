#!/usr/bin/env node
// `--version`, and `--help` printed to a pipe, come from text rendered at build time (scripts/render-help.mjs)
// without loading the CLI: start-up then costs little more than Node itself. On a terminal commander wraps
// help to its width, so that goes the full way.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const quick = quickAnswer(args);
if (quick !== undefined) {
  process.stdout.write(quick);
} else {
  const { main } = await import('../dist/cli.js');
  await main(process.argv);
}

function quickAnswer(argv) {
  const asksVersion = argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v');
  const helpOf = argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h') ? '' : argv.length === 2 && (argv[1] === '--help' || argv[1] === '-h') ? argv[0] : undefined;
  if (!asksVersion && (helpOf === undefined || process.stdout.isTTY)) return undefined;
  let rendered;
  try {
    rendered = JSON.parse(readFileSync(new URL('../dist/help.json', import.meta.url), 'utf8'));
  } catch {
    return undefined;
  }
  if (asksVersion) return `${rendered.version}\n`;
  return rendered.help[helpOf];
}
