import type { Health } from './types.js';

/** The damped state of one client or group (kept in the store). */
export interface Tracker {
  status: 'up' | 'down';
  /** Consecutive down (or up) observations. */
  downStreak: number;
  upStreak: number;
  /** When the status changed, newest last, only those inside the flap window. */
  changes: number[];
  flapping: boolean;
  lastHealth: Health | null;
  lastCheckedAt: number | null;
}

export interface DampingRules {
  /** Consecutive down observations before the status turns down. */
  downAfter: number;
  upAfter: number;
  flapWindowMs: number;
  flapChanges: number;
}

export type DampingChange = 'went_down' | 'went_up' | null;

export interface DampingStep {
  tracker: Tracker;
  changed: DampingChange;
  /** The change that made it flapping (one notice, then quiet until it settles). */
  startedFlapping: boolean;
}

export const NEW_TRACKER: Tracker = { status: 'up', downStreak: 0, upStreak: 0, changes: [], flapping: false, lastHealth: null, lastCheckedAt: null };

/**
 * One observation. Down after `downAfter` consecutive downs, up after `upAfter` consecutive
 * ups; unknown observations (our side failed) change nothing but the check time. `flapChanges`
 * changes within `flapWindowMs` make it flapping.
 */
export function observe(t: Tracker, health: Health, now: number, rules: DampingRules): DampingStep {
  const next: Tracker = { ...t, changes: t.changes.filter((c) => now - c < rules.flapWindowMs), lastCheckedAt: now };
  if (health === 'unknown') return { tracker: next, changed: null, startedFlapping: false };
  next.lastHealth = health;
  let changed: DampingChange = null;
  if (health === 'down') {
    next.downStreak = t.downStreak + 1;
    next.upStreak = 0;
    if (t.status === 'up' && next.downStreak >= rules.downAfter) changed = 'went_down';
  } else {
    next.upStreak = t.upStreak + 1;
    next.downStreak = 0;
    if (t.status === 'down' && next.upStreak >= rules.upAfter) changed = 'went_up';
  }
  let startedFlapping = false;
  if (changed) {
    next.status = changed === 'went_down' ? 'down' : 'up';
    next.changes = [...next.changes, now];
    if (!next.flapping && next.changes.length >= rules.flapChanges) {
      next.flapping = true;
      startedFlapping = true;
    }
  }
  return { tracker: next, changed, startedFlapping };
}

/** True when a flapping tracker has been still for a whole window: it has settled. */
export function hasSettled(t: Tracker, now: number, rules: Pick<DampingRules, 'flapWindowMs'>): boolean {
  if (!t.flapping) return false;
  const last = t.changes.at(-1);
  return last === undefined || now - last >= rules.flapWindowMs;
}

/** A tracker whose down streak is forgotten (its router recovered: fresh verdicts decide). */
export function restartStreaks(t: Tracker): Tracker {
  return { ...t, downStreak: 0, upStreak: 0 };
}
