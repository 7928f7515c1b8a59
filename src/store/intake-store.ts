/**
 * Alerts taken from the hooks (migration `0005-noc-intake`): written before the sender gets its
 * 202 and marked done once checked and reported, so a restart picks up what was accepted and
 * not yet done. Done rows are kept a week.
 */
import type { IntakeAlert } from '../noc/intake.js';
import type { IntakeQueue } from '../noc/intake-sink.js';
import type { Db, Migration } from './database.js';

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

export function createSqliteIntakeQueue(db: Db): IntakeQueue {
  const q = {
    insert: db.prepare('INSERT INTO noc_intake (alert, received_at) VALUES (?, ?)'),
    pendingCount: db.prepare('SELECT COUNT(*) AS n FROM noc_intake WHERE done_at IS NULL'),
    pending: db.prepare('SELECT id, alert FROM noc_intake WHERE done_at IS NULL ORDER BY id LIMIT ?'),
    done: db.prepare('UPDATE noc_intake SET done_at = ? WHERE id = ?'),
    prune: db.prepare('DELETE FROM noc_intake WHERE done_at IS NOT NULL AND done_at < ?'),
  };
  const add = db.transaction((alerts: readonly IntakeAlert[], now: number, max: number): number[] | null => {
    const { n } = q.pendingCount.get() as { n: number };
    if (n + alerts.length > max) return null;
    return alerts.map((a) => Number(q.insert.run(JSON.stringify(a), now).lastInsertRowid));
  });
  return {
    add(alerts, now, max) {
      return add.immediate(alerts, now, max);
    },
    pending(limit) {
      return (q.pending.all(limit) as { id: number; alert: string }[]).map((r) => ({ id: r.id, alert: JSON.parse(r.alert) as IntakeAlert }));
    },
    done(ids, now) {
      for (const id of ids) {
        q.done.run(now, id);
        if (id % 100 === 0) q.prune.run(now - WEEK_MS);
      }
    },
  };
}
