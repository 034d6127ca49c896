import { spawn } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { isProcessAlive } from '../../src/commands/shared/process.js';

describe('isProcessAlive', () => {
  it('a pid that runs, started before the record naming it, is that process', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(process.pid, new Date())).toBe(true);
  });

  it('a pid reused by a process that started after the record is not the one that wrote it', async () => {
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    onTestFinished(() => void other.kill('SIGKILL'));
    await new Promise((resolve) => other.once('spawn', resolve));
    const pid = other.pid as number;
    expect(isProcessAlive(pid)).toBe(true);
    expect(isProcessAlive(pid, new Date(Date.now() - 60 * 60 * 1000))).toBe(false);
    expect(isProcessAlive(pid, new Date(Date.now() + 60 * 1000))).toBe(true);
  });

  it('a pid that runs no more is dead, whatever the record says', async () => {
    const ended = spawn('true', { stdio: 'ignore' });
    await new Promise((resolve) => ended.once('exit', resolve));
    expect(isProcessAlive(ended.pid as number, new Date())).toBe(false);
  });
});
