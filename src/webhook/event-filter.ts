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
