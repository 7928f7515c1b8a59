/**
 * Single-flight claims on SQLite (migration `0012-flight-claims`): see core/flight-claims.
 * Every write is queued on the connection (`sql.later`): a claim is read back inside the turn's
 * IMMEDIATE transaction that took it, so two processes on the file never both own it, and the
 * answer is given once that transaction is committed.
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

const TABLE = 'flight_claims';

/** Claims expired this long ago are deleted when another is taken (the table stays small). */
const KEEP_EXPIRED_MS = 3_600_000;

const SQL = {
  get: 'SELECT key, owner, task_id AS taskId, started_at AS startedAt, until FROM flight_claims WHERE key = ?',
  take: `INSERT INTO flight_claims (key, owner, task_id, started_at, until) VALUES (@key, @owner, NULL, @now, @until)
         ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, task_id = NULL, started_at = excluded.started_at, until = excluded.until
         WHERE flight_claims.until < excluded.started_at`,
  adopt: `INSERT INTO flight_claims (key, owner, task_id, started_at, until) VALUES (@key, @owner, @taskId, @now, @until)
          ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, task_id = excluded.task_id, until = excluded.until
          WHERE flight_claims.until < excluded.started_at OR flight_claims.task_id = excluded.task_id`,
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
  const adopt = (key: string, owner: string, taskId: string, now: number, ttlMs: number): FlightClaim => {
    sql.st(SQL.adopt).run({ key, owner, taskId, now, until: now + ttlMs });
    return sql.st(SQL.get).get(key) as FlightClaim;
  };
  return {
    async adopt(key, owner, taskId, now, ttlMs) {
      return sql.later(TABLE, () => adopt(key, owner, taskId, now, ttlMs));
    },
    async claim(key, owner, now, ttlMs) {
      return sql.later(TABLE, () => claim(key, owner, now, ttlMs));
    },
    async renew(key, owner, taskId, now, ttlMs) {
      await sql.later(TABLE, () => sql.st(SQL.renew).run({ key, owner, taskId, now, until: now + ttlMs }));
    },
    async release(key, owner) {
      await sql.later(TABLE, () => sql.st(SQL.release).run(key, owner));
    },
  };
}
