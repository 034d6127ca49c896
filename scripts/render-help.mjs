// Build step: renders every `--help` text (at the 80 columns commander uses when output is not a terminal)
// and the version into dist/help.json, so the bin can answer them without loading the CLI (BENCHMARKS.md).
import { writeFileSync } from 'node:fs';
import { buildProgram } from '../dist/cli.js';

const texts = {};
const render = async (args) => {
  let out = '';
  const program = buildProgram(() => undefined, { writeOut: (text) => (out += text), writeErr: () => undefined, width: 80 });
  try {
    await program.parseAsync(['node', 'metriport-webhook', ...args]);
  } catch {
    // commander signals "help shown" by throwing; the text is what was written.
  }
  return out;
};
const program = buildProgram(() => undefined);
texts[''] = await render(['--help']);
for (const command of program.commands) texts[command.name()] = await render([command.name(), '--help']);
writeFileSync(new URL('../dist/help.json', import.meta.url), `${JSON.stringify({ version: program.version(), help: texts })}\n`);
