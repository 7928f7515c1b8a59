/**
 * Single-flight across replicas (issue 16): two people on two replicas pinging one client with
 * the same packets get one upstream task. The first replica to ask claims the flight in the
 * store (a row keyed by provider identity, service id and packets, with its owner, the task id
 * once created, and an expiry it renews while the flight lives); any other replica follows
 * that task (polls the same task id, as a resumed check does) instead of creating one. A claim
 * whose owner stopped renewing (dead, or cut off from the store) expires and is taken over.
 * The decision is pure (`decideClaim`, table-tested); the store keeps the row
 * (store/sqlite/flight-claims, store/postgres/flight-claims), core/ping-service asks.
 */

/** How long a claim lives without renewal; its owner renews it every third of that. */
export const CLAIM_TTL_MS = 15_000;
/** How often a replica waiting for the owner's task id asks again. */
export const CLAIM_WAIT_MS = 250;

/** One claim as the store keeps it. */
export interface FlightClaim {
  key: string;
  /** The replica that creates the task (its ReplicaBeat id). */
  owner: string;
  /** Null until the owner's creation went through. */
  taskId: string | null;
  /** When the owner claimed it, then when its task was created (a follower's deadline counts from that). */
  startedAt: number;
  /** Taken over by the next claimer after this time. */
  until: number;
}

/** What a replica does with the claim as the store answered it. */
export type ClaimDecision =
  /** This replica owns the flight: create the task (and record its id). */
  | { kind: 'own' }
  /** Another live replica created the task: poll it. */
  | { kind: 'follow'; taskId: string; startedAt: number; owner: string }
  /** Another live replica owns it but has no task yet (its creation waits for budget): ask again. */
  | { kind: 'wait'; ms: number };

/** The claim after this replica's attempt → what to do. */
export function decideClaim(claim: FlightClaim | null, me: string, now: number): ClaimDecision {
  if (!claim || claim.owner === me || claim.until < now) return { kind: 'own' };
  if (claim.taskId !== null) return { kind: 'follow', taskId: claim.taskId, startedAt: claim.startedAt, owner: claim.owner };
  return { kind: 'wait', ms: Math.max(1, Math.min(CLAIM_WAIT_MS, claim.until - now + 1)) };
}

/** The store's side (declared here since core depends on nothing above it; store/ports re-exports it). */
export interface FlightClaimPort {
  /**
   * Claims `key` for `owner` until `now + ttlMs` when nobody holds it or its claim expired
   * (taken over: task id cleared); returns the claim as it stands after the attempt.
   */
  claim(key: string, owner: string, now: number, ttlMs: number): Promise<FlightClaim>;
  /** The owner renews its claim (and records its task id, and when, once it has one); nothing if it is no longer the owner. */
  renew(key: string, owner: string, taskId: string | null, now: number, ttlMs: number): Promise<void>;
  /** The owner's flight ended: the claim goes (a later check starts anew). */
  release(key: string, owner: string): Promise<void>;
}
