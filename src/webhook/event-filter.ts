import { closest } from '../util/suggest.js';

/**
 * `--events` matching: an entry ending in `.` or `.*` is a prefix (`medical.` matches every Medical API
 * type); anything else must equal `meta.type`. No entries means everything matches.
 */
export type EventFilter = (type: string) => boolean;

export function createEventFilter(entries: readonly string[]): EventFilter {
  if (entries.length === 0) return () => true;
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const entry of entries) {
    if (entry.endsWith('.*')) prefixes.push(entry.slice(0, -1));
    else if (entry.endsWith('.')) prefixes.push(entry);
    else exact.add(entry);
  }
  return (type) => exact.has(type) || prefixes.some((prefix) => type.startsWith(prefix));
}

/**
 * Whether an `--events` / `--type` entry matches any of the `known` types, and if not, the entry most likely
 * meant: a family name without its dot (`patient`) means the prefix (`patient.`), else the nearest type or
 * prefix by spelling.
 */
export function judgeEventEntry(
  entry: string,
  known: readonly string[],
): { matches: true } | { matches: false; guess: string | undefined } {
  const prefix = entry.endsWith('.*') ? entry.slice(0, -1) : entry.endsWith('.') ? entry : undefined;
  const matches = prefix === undefined ? known.includes(entry) : known.some((type) => type.startsWith(prefix));
  if (matches) return { matches: true };
  const families = [...new Set(known.map((type) => `${type.split('.')[0]}.`))];
  if (prefix === undefined && families.includes(`${entry}.`)) return { matches: false, guess: `${entry}.` };
  return { matches: false, guess: closest(prefix ?? entry, prefix === undefined ? known : families) };
}
