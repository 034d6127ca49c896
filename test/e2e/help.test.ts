import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/session.js';
import { runCli } from '../helpers/spawn-cli.js';

// Help is part of the interface: a change to it should be a deliberate one, reviewed in these files.
const COMMANDS = ['', 'listen', 'status', 'retry', 'requests', 'restore', 'trigger', 'replay', 'emulator'];

describe('--help', () => {
  it.each(COMMANDS)('for %j matches the checked-in text and shows examples', async (command) => {
    const dir = await tempDir();
    try {
      const result = await runCli(command === '' ? ['--help'] : [command, '--help'], { cwd: dir.path, env: { COLUMNS: '100' } });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Examples:');
      await expect(result.stdout).toMatchFileSnapshot(`./__snapshots__/help-${command || 'main'}.txt`);
    } finally {
      await dir.remove();
    }
  });
});
