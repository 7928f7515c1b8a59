/**
 * Requests in hand on SQLite (migration `0013-held-requests`): see HeldRequestStore in
 * ../ports.ts and chat/held-requests. Holds and releases go to the connection's write queue
 * (`sql.later`), so a burst of acks costs one commit per turn, and a release queued after its
 * check's insert commits with it or after it, never before.
 */
import type { HeldRequest, HeldRequestStore } from '../ports.js';
import type { Migration } from './connection.js';
import type { Sql } from './handle.js';

export const HELD_REQUESTS_MIGRATION: Migration = {
  id: '0013-held-requests',
  sql: `
    CREATE TABLE held_requests (
      key TEXT PRIMARY KEY,
      surface TEXT NOT NULL,
      owner TEXT NOT NULL,
      body TEXT NOT NULL,
      received_at INTEGER NOT NULL
    );
    CREATE INDEX held_requests_by_surface ON held_requests (surface, received_at);
  `,
};

const TABLE = 'held_requests';

const SQL = {
  hold: 'INSERT INTO held_requests (key, surface, owner, body, received_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING',
  release: 'DELETE FROM held_requests WHERE key = ?',
  heldByOthers: 'SELECT key, surface, owner, body, received_at FROM held_requests WHERE surface = ? AND owner <> ? ORDER BY received_at, key LIMIT ?',
  adopt: 'UPDATE held_requests SET owner = ? WHERE key = ? AND owner = ?',
};

interface Row {
  key: string;
  surface: string;
  owner: string;
  body: string;
  received_at: number;
}

export function createSqliteHeldRequests(sql: Sql): HeldRequestStore {
  return {
    async hold(r) {
      const body = JSON.stringify(r.body);
      await sql.later(TABLE, () => void sql.st(SQL.hold).run(r.key, r.surface, r.owner, body, r.receivedAt));
    },
    async release(key) {
      await sql.later(TABLE, () => void sql.st(SQL.release).run(key));
    },
    async heldByOthers(surface, me, limit) {
      sql.flush(TABLE);
      const rows = sql.st(SQL.heldByOthers).all(surface, me, limit) as Row[];
      return rows.map((x): HeldRequest => ({ key: x.key, surface: x.surface, owner: x.owner, body: JSON.parse(x.body) as unknown, receivedAt: x.received_at }));
    },
    async adopt(key, expected, owner) {
      return sql.later(TABLE, () => sql.st(SQL.adopt).run(owner, key, expected).changes === 1);
    },
  };
}
