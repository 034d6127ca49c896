#!/usr/bin/env node
// `--version`, and `--help` printed to a pipe, come from text rendered at build time (scripts/render-help.mjs)
// without loading the CLI: start-up then costs little more than Node itself. On a terminal commander wraps
// help to its width, so that goes the full way. This file is CommonJS (bin/package.json): Node starts a
// CommonJS entry point several milliseconds sooner than an ES module one (BENCHMARKS.md, start-up).
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const quick = quickAnswer(process.argv.slice(2));
if (quick !== undefined) {
  process.stdout.write(quick);
} else {
  import('../dist/cli.js').then(({ main }) => main(process.argv));
}

function quickAnswer(argv) {
  const asksVersion = argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v');
  const helpOf =
    argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')
      ? ''
      : argv.length === 2 && (argv[1] === '--help' || argv[1] === '-h')
        ? argv[0]
        : undefined;
  if (!asksVersion && (helpOf === undefined || process.stdout.isTTY)) return undefined;
  let rendered;
  try {
    rendered = JSON.parse(readFileSync(join(__dirname, '..', 'dist', 'help.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (asksVersion) return `${rendered.version}\n`;
  return rendered.help[helpOf];
}
