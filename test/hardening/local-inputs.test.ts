import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliWorlds } from '../helpers/cli-env.js';
import { startTargetApp } from '../helpers/servers.js';
import { READY } from '../helpers/spawn-cli.js';
import { messageBody, postSigned, TEST_KEY } from '../helpers/webhooks.js';

// What the CLI reads or writes on this machine that someone else may have shaped: a folder of captures
// received from elsewhere, the state folder, a --jsonl path, the headers passed to --forward-to.
const worlds = useCliWorlds();
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const OSC52 = '\u001b]52;c;ZXZpbA==\u0007';

describe('replay', () => {
  it('shows foreign file names escaped, never as terminal sequences', async () => {
    const world = await worlds.newWorld();
    const app = await startTargetApp();
    worlds.onCleanup(() => app.close());
    const folder = join(world.cwd, 'received');
    await mkdir(folder);
    await writeFile(join(folder, `20261128T101112345Z_000001_patient.admit_${OSC52}\u009b2J.json`), messageBody('patient.admit'));
    for (const args of [[], ['--json']]) {
      const replay = world.spawn(['replay', folder, '--to', `${app.url}/hook`, '--webhook-key', TEST_KEY, ...args]);
      expect((await replay.exited).code).toBe(0);
      expect(replay.stdout() + replay.stderr()).not.toMatch(RAW_CONTROL);
      if (args.length === 0) expect(replay.stdout()).toContain('patient.admit_\\x1b]52;c;ZXZpbA==\\x07\\x9b2J.json');
      else expect(JSON.parse(replay.stdout()).file).toContain(`patient.admit_${OSC52}\u009b2J.json`);
    }
  });
});

describe('listen --forward-to --header', () => {
  it('cannot replace the signature or the framing the app receives: a usage error naming why, before anything starts', async () => {
    const world = await worlds.newWorld();
    const app = await startTargetApp();
    worlds.onCleanup(() => app.close());
    for (const header of ['X-Metriport-Signature: forged', 'Content-Length: 3', 'Host: elsewhere.example.com']) {
      const run = world.spawn(['listen', '--no-tunnel', '--port', '0', '--forward-to', `${app.url}/hook`, '--header', header], {
        METRIPORT_WEBHOOK_KEY: TEST_KEY,
      });
      // Had it started, a signed message would reach the app with the header replaced.
      const ready = await run.waitFor(READY).then(
        ([, url]) => url ?? '',
        () => undefined,
      );
      if (ready !== undefined) {
        await postSigned(ready, messageBody()).catch(() => undefined);
        run.child.kill('SIGINT');
      }
      expect(app.requests.map((request) => [request.headers['x-metriport-signature'], request.headers.host])).toEqual([]);
      expect((await run.exited).code).toBe(2);
      expect(run.stderr()).toMatch(/--header [\w-]+ cannot be set: it (frames the request|is Metriport's)/);
    }
    expect(app.requests).toHaveLength(0);
  });
});
