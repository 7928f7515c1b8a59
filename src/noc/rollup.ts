import type { Health } from './types.js';

export interface RollupRules {
  /** At least this percent of the clients checked... */
  rollupPct: number;
  /** ...and at least this many. */
  rollupMin: number;
}

/**
 * Whether one window of checks of a router (or zone) says it is down: at least `rollupPct`
 * percent and at least `rollupMin` of the clients checked are down. Unknown verdicts are not
 * counted as checked. `inconclusive` when too few answered to say either way.
 * `available`: how many clients of the group could have been checked.
 */
export function rollup(healths: readonly Health[], rules: RollupRules, available: number): 'down' | 'up' | 'inconclusive' {
  const checked = healths.filter((h) => h !== 'unknown').length;
  const down = healths.filter((h) => h === 'down').length;
  if (down >= rules.rollupMin && down * 100 >= rules.rollupPct * checked) return 'down';
  // Up needs as much evidence as down would: a lone good answer after an outage is not recovery.
  // `available` is how many clients the router has to check (a router of two can still recover).
  const neededForUp = Math.max(1, Math.min(rules.rollupMin, available));
  if (checked >= neededForUp && down * 100 < rules.rollupPct * checked) return 'up';
  return 'inconclusive';
}
