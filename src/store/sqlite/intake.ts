/**
 * Alerts taken from the hooks (migration `0005-noc-intake`): written before the sender gets its
 * 202 and marked done once checked and reported, so a restart picks up what was accepted and
 * not yet done. Done rows are kept a week.
 */
import type { IntakeQueue } from '../ports.js';
import type { Migration } from './connection.js';
import type { Sql } from './handle.js';

export const INTAKE_MIGRATION: Migration = {
  id: '0005-noc-intake',
  sql: `
    CREATE TABLE noc_intake (
      id INTEGER PRIMARY KEY,
      alert TEXT NOT NULL,
      received_at INTEGER NOT NULL,
      done_at INTEGER
    );
    CREATE INDEX noc_intake_pending ON noc_intake (id) WHERE done_at IS NULL;
  `,
};

const WEEK_MS = 7 * 86_400_000;

const SQL = {
  insert: 'INSERT INTO noc_intake (alert, received_at) VALUES (?, ?)',
  pendingCount: 'SELECT COUNT(*) AS n FROM noc_intake WHERE done_at IS NULL',
  pending: 'SELECT id, alert FROM noc_intake WHERE done_at IS NULL ORDER BY id LIMIT ?',
  done: 'UPDATE noc_intake SET done_at = ? WHERE id = ?',
  prune: 'DELETE FROM noc_intake WHERE done_at IS NOT NULL AND done_at < ?',
};

/** The intake queue on the process's one connection; alerts are kept whole (JSON). */
export function createSqliteIntakeQueue<A>(sql: Sql): IntakeQueue<A> {
  const add = (alerts: readonly A[], now: number, max: number): number[] | null => {
    const { n } = sql.st(SQL.pendingCount).get() as { n: number };
    if (n + alerts.length > max) return null;
    return alerts.map((a) => Number(sql.st(SQL.insert).run(JSON.stringify(a), now).lastInsertRowid));
  };
  return {
    async add(alerts, now, max) {
      return sql.write(() => sql.tx(add).immediate(alerts, now, max));
    },
    async pending(limit) {
      return (sql.st(SQL.pending).all(limit) as { id: number; alert: string }[]).map((r) => ({ id: r.id, alert: JSON.parse(r.alert) as A }));
    },
    async done(ids, now) {
      sql.write(() => {
        for (const id of ids) {
          sql.st(SQL.done).run(now, id);
          if (id % 100 === 0) sql.st(SQL.prune).run(now - WEEK_MS);
        }
      });
    },
  };
}
