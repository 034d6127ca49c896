import { Chalk, type ChalkInstance } from 'chalk';

export type ColorLevel = 0 | 1 | 2 | 3;

/**
 * Colour only for a terminal, and never when `NO_COLOR` is set; `FORCE_COLOR` wins over both.
 * chalk does not read `NO_COLOR` itself, hence this.
 */
export function colorLevel(input: { isTTY: boolean; env: Readonly<Record<string, string | undefined>> }): ColorLevel {
  const force = input.env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    const level = Number(force);
    return level === 2 || level === 3 ? level : 1;
  }
  if (input.env.NO_COLOR !== undefined && input.env.NO_COLOR !== '') return 0;
  if (!input.isTTY || input.env.TERM === 'dumb') return 0;
  return input.env.COLORTERM === 'truecolor' ? 3 : 2;
}

export function createPalette(level: ColorLevel): ChalkInstance {
  return new Chalk({ level });
}
