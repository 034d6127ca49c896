// The floor for --out: a bare Fastify route that takes the body as a buffer, writes it to a temporary file
// (0600, created exclusively) and renames it to its final name before answering 200, as the CLI contract
// asks of every stored message; no verification, no parsing, nothing else. Usage: bare-store.mjs DIR [sync].
// `sync` makes the same four system calls on the event loop (as --out does for small bodies) instead of
// through fs/promises' thread pool. Prints its URL on stderr, as listen does.
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify from 'fastify';

const dir = process.argv[2];
const sync = process.argv[3] === 'sync';
let sequence = 0;
const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
app.post('/webhook', async (request) => {
  sequence += 1;
  const name = `${Date.now()}_${sequence}.json`;
  const temp = join(dir, `.${name}.tmp`);
  if (sync) {
    const fd = openSync(temp, 'wx', 0o600);
    for (let written = 0; written < request.body.length; ) written += writeSync(fd, request.body, written);
    closeSync(fd);
    renameSync(temp, join(dir, name));
  } else {
    await writeFile(temp, request.body, { mode: 0o600, flag: 'wx' });
    await rename(temp, join(dir, name));
  }
  return { received: true };
});
await app.listen({ host: '127.0.0.1', port: 0 });
process.stderr.write(`ready http://127.0.0.1:${app.server.address().port}/webhook\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
process.on('SIGINT', () => app.close().then(() => process.exit(0)));
