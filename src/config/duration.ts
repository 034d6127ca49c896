const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** Parses `90s`, `2m`, `1500ms`, `1h` into ms; a bare number is in `bareUnit` (seconds by default). */
export function parseDuration(text: string, bareUnit: 's' | 'ms' = 's'): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!match) return undefined;
  const factor = UNITS[(match[2] ?? '').toLowerCase() || bareUnit];
  if (factor === undefined) return undefined;
  const ms = Math.round(Number(match[1]) * factor);
  return ms > 0 && Number.isSafeInteger(ms) ? ms : undefined;
}
