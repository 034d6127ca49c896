import { describe, expect, it } from 'vitest';
import { describeInvocation } from '../../src/commands/shared/invocation.js';

const real = '/home/dev/metriport-webhook/bin/metriport-webhook.js';

describe('how the CLI was run, so hints run as printed', () => {
  it.each([
    // After `npm link`: the name on PATH is a link to this very script.
    [{ script: '/usr/local/bin/metriport-webhook', cwd: '/home/dev/app', pathDirs: ['/usr/bin', '/usr/local/bin'] }, 'metriport-webhook'],
    // From a project's node_modules (npx, npm scripts).
    [
      { script: '/home/dev/app/node_modules/.bin/metriport-webhook', cwd: '/home/dev/app', pathDirs: ['/usr/bin'] },
      'npx metriport-webhook',
    ],
    // Under npx, which puts the project's node_modules/.bin on PATH for its own run only: another terminal
    // does not have it, so the hint still goes through npx.
    [
      {
        script: '/home/dev/app/node_modules/.bin/metriport-webhook',
        cwd: '/home/dev/app',
        pathDirs: ['/home/dev/app/node_modules/.bin', '/usr/bin'],
      },
      'npx metriport-webhook',
    ],
    // From the clone itself.
    [{ script: real, cwd: '/home/dev/metriport-webhook', pathDirs: ['/usr/bin'] }, 'node bin/metriport-webhook.js'],
    // From elsewhere: the absolute path, which works from anywhere.
    [{ script: real, cwd: '/tmp/work', pathDirs: ['/usr/bin'] }, `node ${real}`],
    // A clone in a folder whose name the shell would split: quoted so the printed command still runs.
    [
      { script: "/home/dev/Bob's code/bin/metriport-webhook.js", cwd: '/tmp/work', pathDirs: [] },
      `node '/home/dev/Bob'\\''s code/bin/metriport-webhook.js'`,
    ],
  ])('%j → %s', (input, expected) => {
    const links: Record<string, string> = {
      '/usr/local/bin/metriport-webhook': real,
      [real]: real,
      '/home/dev/app/node_modules/.bin/metriport-webhook': '/home/dev/app/node_modules/metriport-webhook/bin/metriport-webhook.js',
    };
    expect(describeInvocation({ ...input, resolve: (path) => links[path] })).toBe(expected);
  });
});
