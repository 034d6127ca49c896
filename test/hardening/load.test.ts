import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rawRequest } from '../helpers/raw-http.js';
import { startTestSession, tempDir } from '../helpers/session.js';
import { messageBody, signedHeaders } from '../helpers/webhooks.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('load', () => {
  it('1,000 concurrent deliveries with 100 repeated messageIds leave exactly 900 files and 900 JSON lines, all answered 2xx', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const out = join(dir.path, 'out');
    const jsonl = join(dir.path, 'messages.jsonl');
    const session = await startTestSession({ outDir: out, jsonlFile: jsonl });
    cleanups.push(() => session.session.stop());

    const unique = Array.from({ length: 900 }, (_, i) => messageBody('medical.document-download', {}, `load-${i}`));
    const repeats = Array.from({ length: 100 }, (_, i) => unique[i * 9] as Buffer);
    const all = [...unique, ...repeats];
    // node:http's agent has no socket limit, so all 1,000 are in flight at once.
    const statuses = await Promise.all(
      all.map(
        async (body) =>
          (await rawRequest({ url: session.url, method: 'POST', path: '/webhook', headers: signedHeaders(body), body })).status,
      ),
    );
    expect(statuses.filter((status) => status >= 200 && status < 300)).toHaveLength(1000);
    const files = (await readdir(out)).filter((name) => !name.startsWith('.'));
    expect(files).toHaveLength(900);
    const lines = (await readFile(jsonl, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(900);
    expect(new Set(lines.map((line) => JSON.parse(line).messageId)).size).toBe(900);
    expect(await session.session.stop()).toMatchObject({ received: 1000, duplicates: 100, stored: 900 });
  });
});
