import { describe, expect, it } from 'vitest';
import {
  FEED_BATCH_MS,
  type FeedBatch,
  type FeedTimers,
  FLOOD_BATCH_MS,
  MAX_ENTRIES_PER_BATCH,
  startFeed,
} from '../../src/inspector/feed.js';
import { createInspectorStore } from '../../src/inspector/inspector-store.js';
import type { SessionEvent } from '../../src/listen/events.js';

const ping = (index: number): SessionEvent => ({
  type: 'ping',
  ping: `p-${index}`,
  verifiedBy: 'signature',
  at: new Date(Date.UTC(2026, 10, 29, 12, 0, index)),
});

/** Timers run by hand: the test sees each delay the feed asks for and decides when it fires. */
function manualTimers() {
  const waiting = new Map<number, { run: () => void; ms: number }>();
  let next = 0;
  const timers: FeedTimers = {
    set(run, ms) {
      next += 1;
      waiting.set(next, { run, ms });
      return next;
    },
    clear: (handle) => waiting.delete(handle as number),
  };
  return {
    timers,
    delays: () => [...waiting.values()].map((timer) => timer.ms),
    fire() {
      const [first] = [...waiting];
      if (first === undefined) throw new Error('no timer is waiting');
      waiting.delete(first[0]);
      first[1].run();
    },
  };
}

function feedOf(store = createInspectorStore()) {
  const clock = manualTimers();
  const sent: FeedBatch[] = [];
  const feed = startFeed({ store, send: (batch) => sent.push(batch), timers: clock.timers });
  let recorded = 0;
  const record = (count: number) => {
    for (let index = 0; index < count; index += 1) {
      recorded += 1;
      store.write(ping(recorded));
    }
  };
  return { clock, sent, feed, record };
}

describe('inspector live feed', () => {
  it('sends what arrived together as one batch, after one timer, oldest first', () => {
    const { clock, sent, record } = feedOf();
    record(3);
    expect(clock.delays()).toEqual([FEED_BATCH_MS]);
    expect(sent).toEqual([]);
    clock.fire();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.entries.map((entry) => entry.id)).toEqual([1, 2, 3]);
    expect(sent[0]?.received).toBe(3);
    expect(clock.delays()).toEqual([]);
  });

  it('under a flood sends the newest entries only, less often, and is quick again once it is over', () => {
    const { clock, sent, record } = feedOf();
    record(500);
    expect(clock.delays()).toEqual([FEED_BATCH_MS]);
    clock.fire();
    expect(sent[0]?.entries.map((entry) => entry.id)).toEqual(Array.from({ length: MAX_ENTRIES_PER_BATCH }, (_, index) => 476 + index));
    expect(sent[0]?.received).toBe(500);
    // The flood goes on: the next batch waits longer, and still carries the newest and the full count.
    record(40);
    expect(clock.delays()).toEqual([FLOOD_BATCH_MS]);
    clock.fire();
    expect(sent[1]?.entries).toHaveLength(MAX_ENTRIES_PER_BATCH);
    expect(sent[1]?.entries.at(-1)?.id).toBe(540);
    expect(sent[1]?.received).toBe(540);
    // A batch that showed everything ends the flood.
    record(2);
    expect(clock.delays()).toEqual([FLOOD_BATCH_MS]);
    clock.fire();
    expect(sent[2]?.entries.map((entry) => entry.id)).toEqual([541, 542]);
    record(1);
    expect(clock.delays()).toEqual([FEED_BATCH_MS]);
  });

  it('stops: no timer left behind and nothing sent after', () => {
    const { clock, sent, feed, record } = feedOf();
    record(2);
    feed.stop();
    expect(clock.delays()).toEqual([]);
    record(2);
    expect(clock.delays()).toEqual([]);
    expect(sent).toEqual([]);
  });
});
