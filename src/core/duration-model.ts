/**
 * What we believe about how long a ping task takes, learned from the tasks we saw.
 *
 * A bounded histogram over time since task creation, seeded with the packet model (WispHub
 * sends about one packet a second, so N packets take N s plus 0.3-1.5 s) as a prior of a few
 * pseudo-tasks, and updated from each task we watched. We never see when a task finished, only
 * that it was still pending at one poll and final at the next: the observation is an interval,
 * and its weight is spread over that interval in proportion to what we already believe there
 * (the self-consistent estimate for interval-censored data). A small uniform floor, never
 * decayed, keeps every time possible so that evidence can move belief anywhere; an exponential
 * decay lets the model follow a network that changes. Pure: every function returns a new model.
 */

export interface DurationModel {
  /** Width of one bin (ms). */
  binMs: number;
  /**
   * `weights[i]` is the belief that a task ends in (i·binMs, (i+1)·binMs]; the last entry is
   * "later than the last bin" (tasks still pending past the horizon, or never finishing).
   */
  weights: number[];
  /** Tasks observed since the prior, undecayed (how much to trust the model). */
  observed: number;
}

/** What one watched task told us, in ms since its creation was acknowledged. */
export type TaskObservation =
  /** Still pending at `afterMs` (0 when no poll came before), final at `byMs`. */
  | { kind: 'finished'; afterMs: number; byMs: number }
  /** Still pending at `afterMs` when we stopped watching (the deadline). */
  | { kind: 'unfinished'; afterMs: number };

/** What shapes the model; tuned once, never per workload. */
export const DURATION_MODEL = {
  /** Most bins: bounds memory, storage and planning cost (60 s at 100 ms bins). */
  maxBins: 600,
  /** Bins per packet time: 100 ms on WispHub. */
  binsPerPacket: 10,
  /** The packet model's weight, in tasks. */
  priorWeight: 4,
  /** The uniform floor's total weight, in tasks. */
  floorWeight: 0.5,
  /** Share of a censored task spread by belief; the rest goes evenly over its interval. */
  byBelief: 0.5,
  /** Each new task multiplies older belief by this (an effective memory of about 100 tasks). */
  decay: 0.99,
  /** The packet model: tasks end `packets + overheadMin .. packets + overheadMax` packet times after creation. */
  overheadMin: 0.3,
  overheadMax: 1.5,
} as const;

/** The bin width and count for a packet time and a check deadline. */
export function modelShape(packetMs: number, timeoutMs: number): { binMs: number; bins: number } {
  const m = DURATION_MODEL;
  const binMs = Math.max(1, Math.round(packetMs / m.binsPerPacket));
  const bins = Math.max(1, Math.min(m.maxBins, Math.ceil(timeoutMs / binMs)));
  return { binMs, bins };
}

/** The prior: the packet model's window as `priorWeight` pseudo-tasks. */
export function priorModel(packets: number, packetMs: number, timeoutMs: number): DurationModel {
  const m = DURATION_MODEL;
  const { binMs, bins } = modelShape(packetMs, timeoutMs);
  const weights = new Array<number>(bins + 1).fill(0);
  addSpread(weights, binMs, (packets + m.overheadMin) * packetMs, (packets + m.overheadMax) * packetMs, m.priorWeight, null);
  return { binMs, weights, observed: 0 };
}

/** Whether a stored model fits the current shape (a changed PING_PACKET_MS or deadline starts over). */
export function fitsShape(model: DurationModel, packetMs: number, timeoutMs: number): boolean {
  const { binMs, bins } = modelShape(packetMs, timeoutMs);
  return model.binMs === binMs && model.weights.length === bins + 1 && model.weights.every((w) => Number.isFinite(w) && w >= 0);
}

/** The floor's weight per entry (bins and the overflow alike). */
function floorPerEntry(model: DurationModel): number {
  return DURATION_MODEL.floorWeight / model.weights.length;
}

/** The model with one more watched task. */
export function observe(model: DurationModel, obs: TaskObservation): DurationModel {
  const weights = model.weights.map((w) => w * DURATION_MODEL.decay);
  const from = Math.max(0, obs.afterMs);
  const to = obs.kind === 'finished' ? Math.max(from, obs.byMs) : Infinity;
  // Spread by belief before the decay, so a model's own shape decides where in the interval.
  addSpread(weights, model.binMs, from, to, 1, { weights: model.weights, floor: floorPerEntry(model) });
  return { binMs: model.binMs, weights, observed: model.observed + 1 };
}

/** Belief per entry: `weights[i] + floor`, read only over the interval being spread. */
interface Belief {
  weights: readonly number[];
  floor: number;
}

/**
 * Adds `weight` over (from, to] (ms): in proportion to `belief × overlap` per bin, or to
 * overlap alone when `belief` is null. A zero-width interval lands in the bin holding `to`.
 *
 * The bins it touches are kept in parallel arrays and belief is read in place, not copied: the
 * learner observes every task twice (the packet count's model and the router's), and copying a
 * 601-entry belief and a pair per bin was about 16 KB of garbage a check (`npm run bench --
 * discord-chat --alloc-prof`).
 */
function addSpread(weights: number[], binMs: number, from: number, to: number, weight: number, belief: Belief | null): void {
  const bins = weights.length - 1;
  const horizon = bins * binMs;
  /** Entry, its share (belief × overlap) and its overlap, for each touched entry in order. */
  const at: number[] = [];
  const share: number[] = [];
  const overlapOf: number[] = [];
  if (to - from <= 0) {
    at.push(Math.min(bins, Math.max(0, Math.ceil(to / binMs) - 1)));
    share.push(1);
    overlapOf.push(1);
  } else {
    const first = Math.min(bins, Math.floor(from / binMs));
    const last = to >= horizon ? bins : Math.min(bins, Math.max(0, Math.ceil(to / binMs) - 1));
    for (let i = first; i <= last; i++) {
      // The overflow entry counts as one bin's width of "later": enough to weigh it, no more.
      const lo = i * binMs;
      const overlap = i === bins ? 1 : (Math.min(lo + binMs, to) - Math.max(lo, from)) / binMs;
      if (overlap <= 0) continue;
      at.push(i);
      overlapOf.push(overlap);
      share.push(overlap * (belief ? (belief.weights[i] ?? 0) + belief.floor : 1));
    }
  }
  const total = share.reduce((s, x) => s + x, 0);
  if (total <= 0) return;
  if (!belief) {
    at.forEach((i, k) => (weights[i] = (weights[i] ?? 0) + (weight * (share[k] ?? 0)) / total));
    return;
  }
  // Part by belief, part evenly: belief alone would never move into a stretch it gives little
  // weight and so never polls, leaving a blind spot that confirms itself.
  const width = overlapOf.reduce((s, x) => s + x, 0);
  at.forEach((i, k) => {
    weights[i] = (weights[i] ?? 0) + weight * (DURATION_MODEL.byBelief * ((share[k] ?? 0) / total) + (1 - DURATION_MODEL.byBelief) * ((overlapOf[k] ?? 0) / width));
  });
}

/** The model as probabilities per entry (floor included), summing to 1. */
export function distribution(model: DurationModel): number[] {
  const floor = floorPerEntry(model);
  const raw = model.weights.map((w) => w + floor);
  const total = raw.reduce((s, x) => s + x, 0);
  return raw.map((x) => x / total);
}
