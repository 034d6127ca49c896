/**
 * The checks, in the order they run and are reported: each one's prerequisites come before it, so the first
 * ✗ of a report is its real cause, and what depends on it says "not judged" instead of failing with the fix
 * for another bug.
 */
export const CHECK_IDS = [
  'reachable',
  'redirects',
  'speed',
  'signatures',
  'ping',
  'raw-bytes',
  'shapes',
  'types',
  'idempotency',
  'size',
  'concurrency',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/**
 * What each check needs to have passed (or warned) before it can judge anything.
 *
 * - Nothing is judged at an address that does not answer HTTP, or that redirects (Metriport follows no
 *   redirect, so every message would fail there).
 * - Messages that get no answer within Metriport's 5 s say nothing about signatures, types or bodies, and
 *   sending more of them only makes the run longer: everything after `speed` waits for it.
 * - An endpoint that refuses correctly signed messages refuses every later one for that reason alone.
 *
 * The checks after `signatures` send messages shaped like one it saw accepted (the same type, `meta.requestId`
 * and `meta.data`, ASCII only), so each fails only for what it is about.
 */
export const PREREQUISITES: Readonly<Record<CheckId, readonly CheckId[]>> = {
  reachable: [],
  redirects: ['reachable'],
  speed: ['redirects'],
  signatures: ['speed'],
  ping: ['signatures'],
  'raw-bytes': ['signatures'],
  shapes: ['signatures'],
  types: ['signatures'],
  idempotency: ['signatures'],
  size: ['signatures'],
  concurrency: ['signatures'],
};

/** `--only`'s checks and everything they need, in run order (all of them when `only` is empty). */
export function withPrerequisites(only: readonly CheckId[]): CheckId[] {
  if (only.length === 0) return [...CHECK_IDS];
  const wanted = new Set<CheckId>();
  const add = (id: CheckId) => {
    if (wanted.has(id)) return;
    wanted.add(id);
    for (const before of PREREQUISITES[id]) add(before);
  };
  for (const id of only) add(id);
  return CHECK_IDS.filter((id) => wanted.has(id));
}
