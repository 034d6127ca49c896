/**
 * Bodies that stop arriving. A sender that announces a body and then sends nothing (or stops half-way) costs
 * a connection and whatever it already sent; past `idleMs` without a byte, its request is refused (408) and
 * the connection closed, far sooner than Node's 60 s bound on a whole request. One sweep for all requests, so a
 * request costs a clock read per chunk, not a timer.
 */
export interface StallWatch {
  /** Starts watching one body; `onStall` runs once if no byte arrives for `idleMs`. */
  watch(onStall: () => void): { touch(): void; done(): void };
}

export function createStallWatch(options: { idleMs: number; now?: () => number }): StallWatch {
  const { idleMs } = options;
  const now = options.now ?? (() => performance.now());
  const watched = new Set<{ last: number; onStall: () => void }>();
  let sweeping: NodeJS.Timeout | undefined;
  const sweep = () => {
    const at = now();
    for (const reading of watched) {
      if (at - reading.last < idleMs) continue;
      watched.delete(reading);
      reading.onStall();
    }
    if (watched.size === 0) {
      clearInterval(sweeping);
      sweeping = undefined;
    }
  };
  return {
    watch(onStall) {
      const reading = { last: now(), onStall };
      watched.add(reading);
      if (sweeping === undefined) {
        sweeping = setInterval(sweep, Math.max(25, Math.floor(idleMs / 4)));
        sweeping.unref();
      }
      return {
        touch: () => {
          reading.last = now();
        },
        done: () => {
          watched.delete(reading);
        },
      };
    },
  };
}
