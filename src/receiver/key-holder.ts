/**
 * Holds the webhook key, which may only become known after the receiver is already up: Metriport pings
 * the new URL right after `POST /settings`, possibly before that call's answer (with the key) arrives.
 */
export interface KeyHolder {
  current(): string | undefined;
  set(key: string): void;
  /** Resolves with the key as soon as it is known, or `undefined` after `timeoutMs`. */
  wait(timeoutMs: number): Promise<string | undefined>;
  /** Calls `listener` with the key now if known, and whenever it is set. */
  onSet(listener: ((key: string) => void) | undefined): void;
}

export function createKeyHolder(initial?: string): KeyHolder {
  let key = initial;
  const waiters = new Set<(key: string) => void>();
  const listeners: Array<(key: string) => void> = [];
  return {
    onSet(listener) {
      if (listener === undefined) return;
      listeners.push(listener);
      if (key !== undefined) listener(key);
    },
    current: () => key,
    set(next) {
      key = next;
      for (const listener of listeners) listener(next);
      for (const wake of waiters) wake(next);
      waiters.clear();
    },
    wait(timeoutMs) {
      if (key !== undefined) return Promise.resolve(key);
      return new Promise((resolve) => {
        const wake = (value: string | undefined) => {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(value);
        };
        const timer = setTimeout(() => wake(undefined), timeoutMs);
        waiters.add(wake);
      });
    },
  };
}
