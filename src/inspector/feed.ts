import type { Entry, FeedBatch, FlowSummary } from './entry.js';
import type { InspectorStore } from './inspector-store.js';

// Defined with the rest of what the page reads (entry.ts); the feed's users find it here too.
export type { FeedBatch } from './entry.js';

/** setTimeout and clearTimeout, injectable so the feed's pacing is tested without waiting. */
export interface FeedTimers {
  set(run: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** New requests wait this long, so a few arriving together reach the page as one batch. */
export const FEED_BATCH_MS = 500;
/**
 * After a batch that could not show everything that arrived (more than 25 in its wait: a flood starts at 50
 * requests a second and goes on while more than 25 arrive in two seconds), the next one waits this long. Every batch redraws the page's list; on a two-core machine a redraw took chromium ~15 ms of
 * a core, taken from the receiver: at one batch a second the tab used 3 % of a core, at one every two seconds
 * about what a blank tab uses (BENCHMARKS.md, the inspector's cost). A flood is shown as its newest rows anyway.
 */
export const FLOOD_BATCH_MS = 2000;
/** The most entries one batch carries: the newest ones. */
export const MAX_ENTRIES_PER_BATCH = 25;

const NODE_TIMERS: FeedTimers = { set: (run, ms) => setTimeout(run, ms), clear: (handle) => clearTimeout(handle as NodeJS.Timeout) };

/**
 * One page's live feed: told each new request's id by the store, it sends the newest ones in batches, a
 * bounded number a second, so under a flood the feed costs the receiver and the tab a bounded amount of work
 * however many requests arrive. Entries (and their flows) are built only when a batch goes out.
 */
export function startFeed(options: {
  store: InspectorStore;
  send(batch: FeedBatch): void;
  /** The flows of a batch's entries, as they stand when it goes out (none when not given). */
  flows?: ((entries: Entry[]) => FlowSummary[]) | undefined;
  timers?: FeedTimers;
}): { stop(): void } {
  const timers = options.timers ?? NODE_TIMERS;
  let pending: number[] = [];
  let overflowed = false;
  let flooded = false;
  let timer: unknown;

  const flush = () => {
    timer = undefined;
    flooded = overflowed || pending.length > MAX_ENTRIES_PER_BATCH;
    const ids = pending.slice(-MAX_ENTRIES_PER_BATCH);
    pending = [];
    overflowed = false;
    const entries = options.store.newest(ids);
    options.send({ entries, received: options.store.received(), flows: options.flows?.(entries) ?? [] });
  };
  const unsubscribe = options.store.subscribe((id) => {
    pending.push(id);
    if (pending.length > MAX_ENTRIES_PER_BATCH * 2) {
      pending = pending.slice(-MAX_ENTRIES_PER_BATCH);
      overflowed = true;
    }
    timer ??= timers.set(flush, flooded ? FLOOD_BATCH_MS : FEED_BATCH_MS);
  });
  return {
    stop() {
      unsubscribe();
      if (timer !== undefined) timers.clear(timer);
      timer = undefined;
    },
  };
}
