/**
 * Single-flight claims on SQLite (migration `0012-flight-claims`): see core/flight-claims.
 * A claim is taken in one IMMEDIATE transaction, so two processes on the file never both own it.
 */
import type { FlightClaim, FlightClaimPort } from '../../core/flight-claims.js';
import type { Migration } from './connection.js';
import type { Sql } from './handle.js';

export const FLIGHT_CLAIMS_MIGRATION: Migration = {
  id: '0012-flight-claims',
  sql: `
    CREATE TABLE flight_claims (
      key TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      task_id TEXT,
      started_at INTEGER NOT NULL,
      until INTEGER NOT NULL
    );
    CREATE INDEX flight_claims_until ON flight_claims (until);
  `,
};

/** Claims expired this long ago are deleted when another is taken (the table stays small). */
const KEEP_EXPIRED_MS = 3_600_000;

const SQL = {
  get: 'SELECT key, owner, task_id AS taskId, started_at AS startedAt, until FROM flight_claims WHERE key = ?',
  take: `INSERT INTO flight_claims (key, owner, task_id, started_at, until) VALUES (@key, @owner, NULL, @now, @until)
         ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, task_id = NULL, started_at = excluded.started_at, until = excluded.until
         WHERE flight_claims.until < excluded.started_at`,
  prune: 'DELETE FROM flight_claims WHERE until < ?',
  renew: `UPDATE flight_claims SET until = @until,
           started_at = CASE WHEN task_id IS NULL AND @taskId IS NOT NULL THEN @now ELSE started_at END,
           task_id = COALESCE(task_id, @taskId)
         WHERE key = @key AND owner = @owner`,
  release: 'DELETE FROM flight_claims WHERE key = ? AND owner = ?',
};

export function createSqliteFlightClaims(sql: Sql): FlightClaimPort {
  const claim = (key: string, owner: string, now: number, ttlMs: number): FlightClaim => {
    sql.st(SQL.prune).run(now - KEEP_EXPIRED_MS);
    sql.st(SQL.take).run({ key, owner, now, until: now + ttlMs });
    return sql.st(SQL.get).get(key) as FlightClaim;
  };
  return {
    async claim(key, owner, now, ttlMs) {
      return sql.write(() => sql.tx(claim).immediate(key, owner, now, ttlMs));
    },
    async renew(key, owner, taskId, now, ttlMs) {
      sql.write(() => sql.st(SQL.renew).run({ key, owner, taskId, now, until: now + ttlMs }));
    },
    async release(key, owner) {
      sql.write(() => sql.st(SQL.release).run(key, owner));
    },
  };
}
