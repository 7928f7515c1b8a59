/**
 * Single-flight claims on PostgreSQL (migration `0006-flight-claims`): see core/flight-claims.
 * One upsert takes a free or expired claim; the row as it stands is read in the same transaction.
 */
import type { FlightClaim, FlightClaimPort } from '../../core/flight-claims.js';
import type { Link } from './link.js';

/** Claims expired this long ago are deleted when another is taken (the table stays small). */
const KEEP_EXPIRED_MS = 3_600_000;

export function createPgFlightClaims(link: Link): FlightClaimPort {
  return {
    async claim(key, owner, now, ttlMs) {
      return link.transaction(async (q) => {
        await q('DELETE FROM flight_claims WHERE until < $1', [now - KEEP_EXPIRED_MS]);
        await q(
          `INSERT INTO flight_claims (key, owner, task_id, started_at, until) VALUES ($1, $2, NULL, $3, $4)
           ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, task_id = NULL, started_at = excluded.started_at, until = excluded.until
           WHERE flight_claims.until < excluded.started_at`,
          [key, owner, now, now + ttlMs],
        );
        const r = await q<FlightClaim>('SELECT key, owner, task_id AS "taskId", started_at AS "startedAt", until FROM flight_claims WHERE key = $1', [key]);
        return r.rows[0] as FlightClaim;
      });
    },
    async renew(key, owner, taskId, now, ttlMs) {
      await link.read((q) =>
        q(
          `UPDATE flight_claims SET until = $3,
             started_at = CASE WHEN task_id IS NULL AND $4::text IS NOT NULL THEN $5 ELSE started_at END,
             task_id = COALESCE(task_id, $4::text)
           WHERE key = $1 AND owner = $2`,
          [key, owner, now + ttlMs, taskId, now],
        ),
      );
    },
    async release(key, owner) {
      await link.read((q) => q('DELETE FROM flight_claims WHERE key = $1 AND owner = $2', [key, owner]));
    },
  };
}
