/**
 * The Ping API's request budget as one token bucket shared by every replica (issue 16): its
 * shape, and what one draw from it decides. Pure: the store keeps the bucket's row and runs
 * `drawTokens` under its lock (store/sqlite/budget, store/postgres/budget); `core/shared-budget`
 * is the shell that asks.
 *
 * Why not a bucket of `rate` per minute, as before: a bucket of capacity B refilled at r a
 * minute lets B + r requests through in one minute (full at the start, then refilled), so
 * 100/min with a burst of 25 sent up to 125 in a minute. The upstream's limit is per minute, so
 * the shape is chosen to keep ANY 60 s window upstream within the rate:
 *
 *   capacity B = clamp(floor(rate / 10), 1, 10),   refill r = max(1, floor((rate − B) × 60 / 61)) a minute
 *
 * Tokens taken within any span of 61 s number at most B (the credit at its start) plus the
 * r × 61/60 refilled within it, ≤ rate. A request reaches the upstream a little after its token
 * was taken (the event loop, a connection, the network), never before; so as long as that
 * transit is under 1 s, the requests one 60 s window upstream sees took their tokens within
 * 61 s, and there are at most `rate` of them. (Measured before the margin, three replicas on
 * two loaded cores put exactly the rate into one window: the 0.66 s of one token was not enough.)
 * Price: the sustained rate is r, 88 % of `rate` at 100/min (a burst of 10, then 88 a minute).
 * The only exception is rate 1 (B = 1, r = 1): at most 1 in 60 s, no margin for transit.
 *
 * Credit is kept in units of 1/60,000 token, so one ms adds exactly `refillPerMin` units and the
 * arithmetic stays in integers (as util/token-bucket does).
 */

/** Units of credit per token: a ms adds `refillPerMin` of them. */
export const UNIT = 60_000;

/** The shape of the shared bucket for one rate. Every replica must compute the same one. */
export interface BudgetShape {
  /** Tokens the bucket holds at most (the burst after a quiet spell). */
  capacity: number;
  /** Tokens added a minute (continuously). */
  refillPerMin: number;
  /** Tokens a sweep's draw must leave in the bucket (half the capacity), so a person on another replica finds some. */
  reserve: number;
}

/** Transit a request may take from its token to the upstream and still count in the right minute (see the file comment). */
export const TRANSIT_MARGIN_MS = 1000;

/** See the file comment: the tokens of any 61 s fit in the rate, so no 60 s window upstream sees more. */
export function budgetShape(ratePerMin: number): BudgetShape {
  const rate = Math.max(1, Math.floor(ratePerMin));
  const capacity = Math.min(10, Math.max(1, Math.floor(rate / 10)));
  const refillPerMin = Math.max(1, Math.floor(((rate - capacity) * 60_000) / (60_000 + TRANSIT_MARGIN_MS)));
  return { capacity, refillPerMin, reserve: Math.floor(capacity / 2) };
}

/** The bucket's row as the store keeps it. */
export interface BucketRow {
  /** Credit in units (1/60,000 token), 0 ≤ credit ≤ capacity × UNIT. */
  credit: number;
  /** The time `credit` was computed at (ms). */
  at: number;
}

/** What one draw asks. */
export interface DrawRequest {
  /** Tokens wanted (≥ 1); fewer may be granted. */
  want: number;
  /** Tokens to leave in the bucket: 0 for people, `reserve` for sweeps. */
  keep: number;
  now: number;
}

/** What one draw decided: the row to write back, the tokens granted and, when short, how long until the next would be there. */
export interface DrawResult {
  row: BucketRow;
  granted: number;
  /** When nothing was granted: ms until one token above `keep` has refilled (≥ 1); else 0. */
  waitMs: number;
}

/** The row of a bucket never drawn from: full. */
export const fullRow = (shape: BudgetShape, now: number): BucketRow => ({ credit: shape.capacity * UNIT, at: now });

/**
 * Credit at `now`: refilled since `row.at`, at most the capacity. A clock behind the row's time
 * (another host's clock, or this one stepped back) adds nothing and keeps `at`, so a skew never
 * mints credit twice.
 */
export function refilled(row: BucketRow, shape: BudgetShape, now: number): BucketRow {
  const cap = shape.capacity * UNIT;
  // A row written under a larger shape (a replica with another rate) is cut down to this one.
  const credit = Math.min(cap, row.credit);
  if (now <= row.at) return { credit, at: row.at };
  return { credit: Math.min(cap, credit + (now - row.at) * shape.refillPerMin), at: now };
}

/** One draw: as many whole tokens as wanted and available above `keep`. */
export function drawTokens(row: BucketRow | null, shape: BudgetShape, req: DrawRequest): DrawResult {
  const now = refilled(row ?? fullRow(shape, req.now), shape, req.now);
  const keep = Math.min(Math.max(0, req.keep), shape.capacity - 1);
  const free = Math.floor(now.credit / UNIT) - keep;
  const granted = Math.max(0, Math.min(Math.floor(req.want), free));
  if (granted > 0) return { row: { credit: now.credit - granted * UNIT, at: now.at }, granted, waitMs: 0 };
  const missing = (keep + 1) * UNIT - now.credit;
  return { row: now, granted: 0, waitMs: Math.max(1, Math.ceil(missing / shape.refillPerMin)) };
}

/**
 * The store's side of the shared bucket (declared here, since core depends on nothing above it;
 * store/ports re-exports it): one row per named bucket, read and written under one lock, so
 * two replicas never spend the same credit.
 */
export interface RequestBudgetPort {
  /** Runs `drawTokens` on the row of `name` under the store's lock and writes the row back. */
  draw(name: string, shape: BudgetShape, req: DrawRequest): Promise<Pick<DrawResult, 'granted' | 'waitMs'>>;
}
