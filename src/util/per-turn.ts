/**
 * Work handed in during one turn of the event loop, done together at the turn's end: under a burst one
 * system call carries many answers or lines instead of one each, and on a VM one wake-up of the peer's idle
 * CPU serves many (BENCHMARKS.md). Order is kept; `now()` does the waiting work at once.
 */
export interface PerTurn<T> {
  add(item: T): void;
  now(): void;
}

export function perTurn<T>(run: (items: T[]) => void): PerTurn<T> {
  let items: T[] = [];
  const now = () => {
    if (items.length === 0) return;
    const due = items;
    items = [];
    run(due);
  };
  return {
    add(item) {
      if (items.push(item) === 1) setImmediate(now);
    },
    now,
  };
}
