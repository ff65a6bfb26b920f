/**
 * Milliseconds on a monotonic clock, for measuring how long something took. The same clock as
 * `performance.now()` without its cost: the first use of the `performance` global loads perf_hooks
 * (nine modules that stay in the daemon's heap).
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
