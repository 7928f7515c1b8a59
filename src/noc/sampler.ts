import type { Tracker } from './damping.js';

/** A client the sampler may pick: active and not on a billing hold. */
export interface SampleCandidate {
  serviceId: number;
  tracker: Tracker | null;
  /** The last API verdict was `stable` (not merely up: an intermittent line is a noisy sample). */
  lastStable: boolean;
}

/**
 * Which clients of one group to check this round: `n` of them, rotating (least recently
 * checked first, never-checked before all) among lines that answered stable last time, then
 * among other good answers (intermittent, antenna-only: noisy samples), then the rest (down or
 * unknown, which say little about the router). Deterministic, so tests and the bench replay it.
 */
export function pickSample(candidates: readonly SampleCandidate[], n: number, exclude: ReadonlySet<number> = new Set()): number[] {
  const tier = (c: SampleCandidate): number => {
    if (!c.tracker || c.tracker.lastHealth === null) return 0;
    if (c.tracker.lastHealth === 'up') return c.lastStable ? 0 : 1;
    return 2;
  };
  return candidates
    .filter((c) => !exclude.has(c.serviceId))
    .map((c) => ({ c, tier: tier(c), at: c.tracker?.lastCheckedAt ?? -Infinity }))
    .sort((a, b) => a.tier - b.tier || a.at - b.at || a.c.serviceId - b.c.serviceId)
    .slice(0, Math.max(0, n))
    .map((x) => x.c.serviceId);
}
