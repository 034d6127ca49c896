const SIZE_UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1024, k: 1024, mb: 1024 ** 2, m: 1024 ** 2, gb: 1024 ** 3, g: 1024 ** 3 };
const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };
const AMOUNT = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i;

/** `20mb`, `512kb`, `1.5gb`, `1048576` (bytes; binary multiples) → bytes; `undefined` when unreadable. */
export function parseSize(text: string): number | undefined {
  return parseAmount(text, SIZE_UNITS, 'b', Math.floor);
}

/** `90s`, `2m`, `1500ms`, `1h` → ms; a bare number is in `bareUnit` (seconds by default). */
export function parseDuration(text: string, bareUnit: 's' | 'ms' = 's'): number | undefined {
  return parseAmount(text, DURATION_UNITS, bareUnit, Math.round);
}

function parseAmount(
  text: string,
  units: Readonly<Record<string, number>>,
  bareUnit: string,
  round: (value: number) => number,
): number | undefined {
  const match = AMOUNT.exec(text);
  if (!match) return undefined;
  const factor = units[(match[2] ?? '').toLowerCase() || bareUnit];
  if (factor === undefined) return undefined;
  const amount = round(Number(match[1]) * factor);
  return Number.isSafeInteger(amount) && amount > 0 ? amount : undefined;
}

/** 1.2 KB, 3.0 MB: for people. */
export function humanBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** 64mb, 512kb: a size as `--max-body` takes it. */
export function flagBytes(bytes: number): string {
  const units = ['b', 'kb', 'mb', 'gb'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && value % 1024 === 0 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value}${units[unit]}`;
}
