import { setTimeout as delay } from 'node:timers/promises';

/**
 * The emulator's background work (a query's answer after Metriport's delay, a bulk import's steps): every
 * task is tracked, so `idle()` can wait for all of them and `close()` can stop the ones not yet started.
 */
export class Scheduler {
  private readonly running = new Set<Promise<unknown>>();
  private controller = new AbortController();

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Runs `task` in the background; its failure goes to `onError`, never unhandled. */
  run<T>(task: () => Promise<T>): Promise<T | undefined> {
    const promise = task().catch((error: unknown) => {
      if (!this.controller.signal.aborted) this.onError(error);
      return undefined;
    });
    this.running.add(promise);
    void promise.finally(() => this.running.delete(promise));
    return promise;
  }

  /** Waits `ms`, or rejects at once when the emulator closes (so no task outlives it). */
  async wait(ms: number): Promise<void> {
    if (ms <= 0) {
      if (this.controller.signal.aborted) throw new Error('The emulator is closing.');
      return;
    }
    await delay(ms, undefined, { signal: this.controller.signal });
  }

  get closed(): boolean {
    return this.controller.signal.aborted;
  }

  /** Resolves once no task runs (tasks started meanwhile included). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** Stops the waits in progress and refuses new ones (their tasks end early). */
  close(): void {
    this.controller.abort();
  }

  /** Accepts work again after `close()` (a reset account goes on serving). */
  reopen(): void {
    if (this.controller.signal.aborted) this.controller = new AbortController();
  }
}
