/**
 * A value now, or a promise of it. The receiving path returns plain values when nothing had to be waited for
 * (no promise per request on the usual path, BENCHMARKS.md), and promises only when it waited (a big file, a
 * forward, a key not known yet).
 */
export type MaybePromise<T> = T | Promise<T>;

/** Whether the value still has to be waited for. */
export function isPending<T>(value: MaybePromise<T>): value is Promise<T> {
  return value instanceof Promise;
}

/**
 * `next(value)` at once for a plain value, after it settles for a promise; `failed` takes a rejection (a
 * synchronous throw from `next` is not caught: the caller decides what a throw means).
 */
export function whenSettled<T, R>(
  value: MaybePromise<T>,
  next: (value: T) => MaybePromise<R>,
  failed?: (error: unknown) => MaybePromise<R>,
): MaybePromise<R> {
  if (!isPending(value)) return next(value);
  return failed === undefined ? value.then(next) : value.then(next, failed);
}
