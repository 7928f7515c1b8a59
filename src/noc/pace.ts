/**
 * The watcher's pace against its share of the request budget. Pacing spreads checks evenly,
 * but a check's polls vary: this keeps any 60 s window within the share, counting what finished
 * checks spent and what the ones in flight will likely spend. Pure.
 */

/** Drops request times that left the last minute (`times` ascending). */
export function pruneMinute(times: number[], now: number): void {
  while (times.length > 0 && (times[0] ?? 0) <= now - 60_000) times.shift();
}

/** Keeps `xs` ascending. */
export function insertSorted(xs: number[], x: number): void {
  let i = xs.length;
  while (i > 0 && (xs[i - 1] ?? 0) > x) i--;
  xs.splice(i, 0, x);
}

/**
 * When a new check would fit the window again, or null when it fits now. `times`: requests
 * made in the last minute (ascending, pruned); `inFlight`: requests each running check made so far.
 */
export function windowFullUntil(o: { times: readonly number[]; inFlight: Iterable<number>; costPerCheck: number; budgetPerMin: number; now: number }): number | null {
  // What the checks in flight will still ask for (at least one poll each), plus a new check.
  let ahead = 0;
  for (const made of o.inFlight) ahead += Math.max(1, Math.ceil(o.costPerCheck + 0.5) - made);
  const expected = o.times.length + ahead + Math.ceil(o.costPerCheck + 0.5);
  // Two requests of headroom: now and then a task outlives the likely window and needs
  // another poll or two (measured: with one, a minute now and then reached 51 of 50).
  const limit = o.budgetPerMin - 2;
  if (expected <= limit) return null;
  const excess = Math.ceil(expected - limit);
  const at = o.times[Math.min(o.times.length - 1, excess - 1)];
  return at === undefined ? o.now + 1000 : at + 60_000;
}
