import { describe, expect, it } from 'vitest';
import { visibleLength, wrapCommand, wrapWords } from '../../src/output/fit.js';

const URL_WITH_TOKEN = 'http://127.0.0.1:4749/#token=r2RKTsGe4gFxyh5_ed3TZ9j6tQxBDXpr';

describe('fitting text to the terminal', () => {
  it('leaves a line that fits, and breaks a longer one between words only, never inside a URL', () => {
    expect(wrapWords('short line', 80)).toBe('short line');
    const text = `22:05:18  registered  http://127.0.0.1:32859/webhook at the API at http://127.0.0.1:4748 (the account had no URL before)`;
    const lines = wrapWords(text, 80).split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(visibleLength(line)).toBeLessThanOrEqual(80);
    expect(lines.join(' ').replace(/ +/g, ' ')).toBe(text.replace(/ +/g, ' '));
    expect(lines.some((line) => line.includes('http://127.0.0.1:32859/webhook'))).toBe(true);
  });

  it('breaks a command with shell continuations, so pasted it is still one command', () => {
    const command = `  node bin/metriport-webhook.js trigger patient.admit --via-api --api-url http://127.0.0.1:46341 --api-key local-emulator`;
    const wrapped = wrapCommand(command, 80);
    for (const line of wrapped.split('\n')) expect(visibleLength(line)).toBeLessThanOrEqual(80);
    expect(
      wrapped
        .split(' \\\n')
        .map((part) => part.trim())
        .join(' '),
    ).toBe(command.trim());
  });

  it('a path wider than the terminal keeps its continuation, also when the sink fits the text again', () => {
    const path = `projects/${'long-folder-name/'.repeat(6)}bin/metriport-webhook.js`;
    const command = `  node ${path} status --api-url http://127.0.0.1:46341 --api-key local-emulator`;
    const fitted = wrapCommand(command, 80);
    const again = fitted
      .split('\n')
      .map((line) => wrapWords(line, 80))
      .join('\n');
    expect(again).toBe(fitted);
    // Run through sh's own reading of continuations, it is the one command.
    expect(again.replaceAll(' \\\n', ' ').replace(/ +/g, ' ').trim()).toBe(command.trim());
    expect(again.split('\n').filter((line) => line.trim() === '\\')).toEqual([]);
  });

  it('measures without colour codes, and leaves alone a word wider than the terminal', () => {
    expect(visibleLength('\u001b[32mgreen\u001b[39m')).toBe(5);
    expect(wrapWords(`Inspector: ${URL_WITH_TOKEN}`, 40)).toBe(`Inspector:\n    ${URL_WITH_TOKEN}`);
  });
});
