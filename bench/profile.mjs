// Where a verified request's time goes: runs `listen` under V8's CPU profiler while autocannon sends the
// bench's signed messages, and prints the listener's busy time per request, by part of the receiving path.
//
//   npm run build && node bench/profile.mjs [listen flags…]        e.g. node bench/profile.mjs --json
//   MW_BIN=/other/checkout/bin/metriport-webhook.js node bench/profile.mjs --json   (an older build)
//
// Sampled time is wall time on the listener's main thread while it is not idle: a syscall's share includes
// the kernel's work for it. Run on a quiet machine; compare builds in the same session.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signedAutocannon } from './message.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = process.env.MW_BIN ?? join(root, 'bin', 'metriport-webhook.js');
const KEY = 'bench_webhook_key_0123456789';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const work = mkdtempSync(join(tmpdir(), 'mw-profile-'));

/** Parts of the path, first match wins: [label, test on the sampled function's script URL and name]. */
const PARTS = [
  ['garbage collector', (_url, name) => name === '(garbage collector)'],
  ['native, outside JS (HTTP parser, libuv, V8 runtime)', (_url, name) => name === '(program)'],
  [
    'socket writes (writev: the answers, kernel included)',
    (_url, name) => name === 'writev' || name === 'writeUtf8String' || name === 'writeBuffer',
  ],
  [
    'file system calls (open, write, close, rename)',
    (url, name) => url === '' && /^(open|close|rename|writeBuffers?|writeString|fstat|ftruncate)$/.test(name),
  ],
  ['HMAC (verification)', (url) => url.includes('internal/crypto') || url.endsWith('/webhook/signature.js')],
  ['JSON parse of the body', (url, name) => url.endsWith('/webhook/message.js') && name === 'parseBody'],
  [
    'the receiver (duplicates, events)',
    (url) => url.endsWith('/receiver/receiver.js') || url.endsWith('/listen/listen-session.js') || url.endsWith('/commands/listen/run.js'),
  ],
  ['outputs (terminal view, JSON lines, batching)', (url) => url.includes('/dist/output/') || url.endsWith('/webhook/message.js')],
  ['capture (--out, --jsonl)', (url) => url.includes('/dist/capture/') || url === 'node:fs'],
  ['inspector history', (url) => url.includes('/dist/inspector/')],
  ['our HTTP adapter (limits, budget, connection book)', (url) => url.endsWith('/receiver/receiver-server.js')],
  ['Fastify', (url) => /node_modules\/(fastify|find-my-way|avvio|@fastify|fast-json-stringify|light-my-request|toad-cache)/.test(url)],
  ["Node's HTTP server, streams, timers", (url) => url.startsWith('node:')],
  ['other', () => true],
];

const child = spawn(
  process.execPath,
  ['--cpu-prof', '--cpu-prof-dir', work, BIN, 'listen', '--no-tunnel', '--port', '0', ...process.argv.slice(2)],
  {
    cwd: work,
    env: { ...process.env, METRIPORT_WEBHOOK_KEY: KEY },
    stdio: ['ignore', 'ignore', 'pipe'],
  },
);
const url = await new Promise((resolve, reject) => {
  let seen = '';
  child.stderr.on('data', (chunk) => {
    seen += chunk;
    const match = /Ready: listening on (\S+)/.exec(seen);
    if (match) resolve(match[1]);
  });
  child.on('exit', (code) => reject(new Error(`listen exited ${code}: ${seen}`)));
});
const result = await signedAutocannon({ url, key: KEY, seconds: SECONDS, connections: 50 });
await new Promise((resolve) => {
  child.removeAllListeners('exit');
  child.on('exit', resolve);
  child.kill('SIGTERM');
});

const profile = JSON.parse(
  readFileSync(
    join(
      work,
      readdirSync(work).find((name) => name.endsWith('.cpuprofile')),
    ),
    'utf8',
  ),
);
rmSync(work, { recursive: true, force: true });
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const byPart = new Map(PARTS.map(([label]) => [label, 0]));
let busy = 0;
// PROFILE_TOP=N: also the N functions with the most self time, to find what a part's share is made of.
const byFunction = new Map();
for (const [index, id] of profile.samples.entries()) {
  const { url: script, functionName, lineNumber } = nodes.get(id).callFrame;
  if (functionName === '(idle)') continue;
  const µs = profile.timeDeltas[index] ?? 0;
  busy += µs;
  const where = `${script.split('/dist/')[1] ?? script.split('/node_modules/')[1] ?? script}:${lineNumber + 1} ${functionName || '(anonymous)'}`;
  byFunction.set(where, (byFunction.get(where) ?? 0) + µs);
  const [label] = PARTS.find(([, test]) => test(script, functionName));
  byPart.set(label, byPart.get(label) + µs);
}
// Requests answered while profiled, warm-up included: the profile covers the listener's whole run.
const requests = result.total;
console.log(
  `listen ${process.argv.slice(2).join(' ')} — ${Math.round(result.rps)} req/s under the profiler, ${(busy / requests).toFixed(1)} µs busy per request\n`,
);
console.log('| part of the receiving path | µs per request | share |');
console.log('|---|---|---|');
for (const [label, µs] of [...byPart].sort((a, b) => b[1] - a[1])) {
  if (µs === 0) continue;
  console.log(`| ${label} | ${(µs / requests).toFixed(1)} | ${((100 * µs) / busy).toFixed(0)} % |`);
}
const top = Number(process.env.PROFILE_TOP ?? 0);
if (top > 0) {
  console.log(`\n| the ${top} functions with the most self time | µs per request |\n|---|---|`);
  for (const [where, µs] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`| ${where} | ${(µs / requests).toFixed(2)} |`);
  }
}
