/**
 * Most events in any half-open window [t, t + ms) (an upstream's "per minute"), whatever the
 * order `times` come in. One helper for every test that holds requests to a rate.
 */
export function maxInWindow(times: readonly number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while ((sorted[hi] as number) - (sorted[lo] as number) >= ms) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}
