import { mkdir, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { registrationFile, stateDir } from '../../src/state/paths.js';
import { useCliWorlds } from '../helpers/cli-env.js';

// Issue: an API whose server accepts connections and drops them made commands exit 13 with nothing printed
// (Node's "unsettled top-level await"), in 5 runs of 6. Every run must end with the network error instead.

const worlds = useCliWorlds();

async function startBrokenApi(behaviour: (socket: Socket) => void): Promise<string> {
  const server: Server = createServer(behaviour);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  worlds.onCleanup(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const dropsOnAccept = (socket: Socket) => socket.destroy();
const resetsMidResponse = (socket: Socket) => {
  socket.once('data', () => {
    socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"webhookUrl":');
    setImmediate(() => socket.resetAndDestroy());
  });
};

// The fault showed in 5 runs of 6: two runs of each command against each server catch it.
const RUNS = 2;

describe.each([
  ['drops every connection on accept', dropsOnAccept],
  ['resets in the middle of its answer', resetsMidResponse],
])('an API that %s', (_name, behaviour) => {
  it('gives every API command the network error (exit 4, the URL and where it came from), in every run', async () => {
    const world = await worlds.newWorld();
    const apiUrl = await startBrokenApi(behaviour);
    // restore only calls the API when a crashed listen left a record behind.
    const dir = stateDir(world.env, world.env.HOME);
    await mkdir(dir, { recursive: true });
    const record = {
      environment: 'custom',
      apiUrl,
      previousUrl: 'https://app.example.com/hook',
      registeredUrl: 'https://t.example.com/webhook',
      pid: 2 ** 22 + 7,
      startedAt: new Date().toISOString(),
    };
    await writeFile(registrationFile(dir, apiUrl), JSON.stringify(record), { mode: 0o600 });

    const commands = [
      ['status'],
      ['retry'],
      ['requests'],
      ['retry', '0195d9a0-aaaa-7bbb-8ccc-000000000001'],
      ['restore'],
      ['trigger', 'patient.admit', '--via-api'],
      ['listen', '--port', '0', '--public-url', 'https://tunnel.example.com'],
    ];
    const runs = commands.flatMap((args) =>
      Array.from({ length: RUNS }, async () => {
        const child = world.spawn(args, { METRIPORT_API_URL: apiUrl, METRIPORT_API_KEY: 'sk_test_dropped_connections' });
        const { code } = await child.exited;
        return { args: args.join(' '), code, stderr: child.stderr() };
      }),
    );
    for (const result of await Promise.all(runs)) {
      expect({ command: result.args, code: result.code }).toEqual({ command: result.args, code: 4 });
      // listen says what it did first; the error is its last line, once.
      expect(result.stderr.match(/Error:/g)).toHaveLength(1);
      expect(result.stderr).toMatch(
        new RegExp(
          `(^|\\n)Error: Could not reach the Metriport API at ${apiUrl} \\(from METRIPORT_API_URL\\): .*\\(ECONNRESET\\)\\. Check that the API is running there, or change METRIPORT_API_URL\\.\\n$`,
        ),
      );
    }
  });
});
