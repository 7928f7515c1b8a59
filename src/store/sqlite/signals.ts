/**
 * Signals between replicas (migration `0008-signals`): a button clicked on one replica for a
 * check or incident another replica follows. See SignalQueue in ../ports.ts.
 */
import { SIGNAL_TTL_MS, type Signal, type SignalQueue } from '../ports.js';
import type { Migration } from './connection.js';
import type { Sql } from './handle.js';

export const SIGNALS_MIGRATION: Migration = {
  id: '0008-signals',
  sql: `
    CREATE TABLE signals (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      target TEXT NOT NULL,
      kind TEXT NOT NULL,
      body TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX signals_by_target ON signals (target, id);
  `,
};


const SQL = {
  count: 'SELECT COUNT(*) AS n FROM signals WHERE target = ?',
  insert: 'INSERT INTO signals (target, kind, body, created_at) VALUES (?, ?, ?, ?)',
  take: 'SELECT id, target, kind, body, created_at FROM signals WHERE target = ? ORDER BY id LIMIT ?',
  done: 'DELETE FROM signals WHERE id = ?',
  expire: 'DELETE FROM signals WHERE created_at < ?',
};

export function createSqliteSignalQueue(sql: Sql): SignalQueue {
  return {
    async send(target, kind, body, now, max) {
      return sql.write(() => {
        sql.st(SQL.expire).run(now - SIGNAL_TTL_MS);
        const { n } = sql.st(SQL.count).get(target) as { n: number };
        if (n >= max) return null;
        return Number(sql.st(SQL.insert).run(target, kind, JSON.stringify(body), now).lastInsertRowid);
      });
    },
    async take(target, limit) {
      const rows = sql.st(SQL.take).all(target, limit) as { id: number; target: string; kind: string; body: string; created_at: number }[];
      return rows.map((r): Signal => ({ id: r.id, target: r.target, kind: r.kind, body: JSON.parse(r.body) as unknown, createdAt: r.created_at }));
    },
    async done(ids) {
      if (ids.length === 0) return;
      sql.write(() => {
        for (const id of ids) sql.st(SQL.done).run(id);
      });
    },
  };
}
