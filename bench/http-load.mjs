// The second load generator: plain Node `http` with a keep-alive agent, in its own process. It costs the
// machine more per request than autocannon (a full Node client stack), so on two shared cores it leaves the
// receiver less CPU: the harder, and so the figure of record (issue #14).
//
//   node bench/http-load.mjs <url> <seconds> <connections> <key>
//
// Each of <connections> loops sends one signed ~2 KB message at a time, with a fresh messageId per request,
// and prints one JSON line: { total, rps, p50, p99, non2xx } (latencies in ms).
import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { messageFactory } from './message.mjs';

const [url, secondsText, connectionsText, key] = process.argv.slice(2);
const seconds = Number(secondsText);
const connections = Number(connectionsText);
const target = new URL(url);
const agent = new Agent({ keepAlive: true, maxSockets: connections });
const next = messageFactory();
const latencies = [];
let non2xx = 0;

function send() {
  const body = Buffer.from(next());
  const signature = createHmac('sha256', key).update(body).digest('hex');
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': body.length, 'x-metriport-signature': signature },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode < 200 || res.statusCode >= 300) non2xx += 1;
          resolve(performance.now() - started);
        });
      },
    );
    req.on('error', () => {
      non2xx += 1;
      resolve(undefined);
    });
    req.end(body);
  });
}

async function loop() {
  while (performance.now() < stopAt) {
    const ms = await send();
    if (ms !== undefined) latencies.push(ms);
  }
}

// The caller warms the receiver up before starting this process.
const started = performance.now();
const stopAt = started + seconds * 1000;
await Promise.all(Array.from({ length: connections }, loop));
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
process.stdout.write(
  `${JSON.stringify({ total: latencies.length, rps: latencies.length / elapsed, p50: Math.round(at(0.5)), p99: Math.round(at(0.99)), non2xx })}\n`,
);
agent.destroy();
