import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireApiKey, resolveApiConfig } from '../../src/config/api-config.js';
import { useCliWorlds } from '../helpers/cli-env.js';

const worlds = useCliWorlds();
const SHELL_KEY = 'sk_live_exported_in_the_shell_1234567890';

/** A server that records every request it gets (and answers like Metriport would, so a leak would "work"). */
async function recordingApi() {
  const seen: Array<{ path: string; apiKey: string | undefined }> = [];
  const server = createServer((request, response) => {
    seen.push({ path: request.url ?? '', apiKey: request.headers['x-api-key'] as string | undefined });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      request.url === '/settings/webhook'
        ? '{"webhookEnabled":false,"webhookStatusDetail":null,"webhookRequestsProcessing":0,"webhookRequestsFailed":0}'
        : '{"id":"x","webhookUrl":null,"webhookKey":null,"mrFilters":null}',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  worlds.onCleanup(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('a .env file in the working directory (a cloned repository)', () => {
  // The third attack round: a .env with METRIPORT_API_URL=http://anything received the API key exported in
  // the user's shell, with no warning.
  it('cannot send the API key exported in the shell to an API URL it names that is not Metriport', async () => {
    const world = await worlds.newWorld();
    const hostile = await recordingApi();
    await writeFile(join(world.cwd, '.env'), `METRIPORT_API_URL=${hostile.url}\n`);
    for (const command of [['status'], ['key'], ['requests'], ['trigger', 'patient.admit', '--via-api']]) {
      const run = world.spawn(command, { METRIPORT_API_KEY: SHELL_KEY });
      const { code } = await run.exited;
      expect(code, command.join(' ')).toBe(2);
      expect(run.stderr()).toContain(
        `points at ${hostile.url}, which is not Metriport's API, and the API key comes from METRIPORT_API_KEY`,
      );
      expect(run.stderr()).toContain(`--api-url ${hostile.url}`);
      expect(run.stderr()).not.toContain(SHELL_KEY);
    }
    expect(hostile.seen).toEqual([]);

    // Confirmed with --api-url, it goes there: the user has seen where.
    const confirmed = world.spawn(['status', '--json', '--api-url', hostile.url], { METRIPORT_API_KEY: SHELL_KEY });
    expect((await confirmed.exited).code).toBe(0);
    expect(hostile.seen.at(-1)?.apiKey).toBe(SHELL_KEY);
  });

  it('cannot override an exported METRIPORT_ENV=production with its own METRIPORT_API_URL', async () => {
    const world = await worlds.newWorld();
    const hostile = await recordingApi();
    await writeFile(join(world.cwd, '.env'), `METRIPORT_API_URL=${hostile.url}\nMETRIPORT_API_KEY=from-the-repo\n`);
    const run = world.spawn(['status'], { METRIPORT_ENV: 'production', METRIPORT_API_KEY: SHELL_KEY });
    await run.exited;
    // Production is out of reach here (no network): what matters is that it was production that was tried.
    expect(run.stderr()).toContain('api.metriport.com');
    expect(hostile.seen).toEqual([]);
  });
});

describe('where the API key goes (resolveApiConfig + requireApiKey)', () => {
  const url = 'http://127.0.0.1:9/api';
  it.each([
    ['flag URL, key from the shell', { apiUrl: url }, { METRIPORT_API_KEY: 'k' }, {}, 'sent'],
    ['URL from the shell, key from .env', {}, { METRIPORT_API_URL: url }, { METRIPORT_API_KEY: 'k' }, 'sent'],
    ['URL and key from the same .env', {}, {}, { METRIPORT_API_URL: url, METRIPORT_API_KEY: 'k' }, 'sent'],
    ['URL from .env, key from the shell', {}, { METRIPORT_API_KEY: 'k' }, { METRIPORT_API_URL: url }, 'refused'],
    ['URL from .env, key from a flag', { apiKey: 'k' }, {}, { METRIPORT_API_URL: url }, 'refused'],
    [
      "Metriport's own URL from .env, key from the shell",
      {},
      { METRIPORT_API_KEY: 'k' },
      { METRIPORT_API_URL: 'https://api.metriport.com' },
      'sent',
    ],
  ])('%s: %s', (_case, flags, env, dotenv, expected) => {
    const outcome = () => requireApiKey(resolveApiConfig(flags, env, dotenv));
    if (expected === 'sent') expect(outcome().value).toBe('k');
    else expect(outcome).toThrow(/not Metriport's API/);
  });

  it.each([
    ['--api-url beats --env', { apiUrl: url, env: 'production' as const }, {}, {}, url],
    ['--env beats an exported URL', { env: 'production' as const }, { METRIPORT_API_URL: url }, {}, 'https://api.metriport.com'],
    ['an exported URL beats an exported env', {}, { METRIPORT_API_URL: url, METRIPORT_ENV: 'production' }, {}, url],
    ['an exported env beats a .env URL', {}, { METRIPORT_ENV: 'production' }, { METRIPORT_API_URL: url }, 'https://api.metriport.com'],
    ['a .env URL beats a .env env', {}, {}, { METRIPORT_API_URL: url, METRIPORT_ENV: 'production' }, url],
  ])('%s', (_case, flags, env, dotenv, baseUrl) => {
    expect(resolveApiConfig(flags, env, dotenv).target.baseUrl).toBe(baseUrl);
  });
});
