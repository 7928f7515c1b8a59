/**
 * The shared request budget on SQLite (migration `0009-request-budget`): one row per bucket,
 * read and written inside one IMMEDIATE transaction (the connection's batch of the turn), so
 * processes sharing the file never spend the same credit. The decision is core's (`drawTokens`); this file only keeps the row.
 */
import { drawTokens, type BucketRow, type RequestBudgetPort } from '../../core/request-budget.js';
import type { Migration } from './connection.js';
import type { Sql } from './handle.js';

export const BUDGET_MIGRATION: Migration = {
  id: '0009-request-budget',
  sql: `
    CREATE TABLE request_budget (
      name TEXT PRIMARY KEY,
      credit INTEGER NOT NULL,
      at INTEGER NOT NULL
    )
  `,
};

const SQL = {
  get: 'SELECT credit, at FROM request_budget WHERE name = ?',
  put: 'INSERT INTO request_budget (name, credit, at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET credit = excluded.credit, at = excluded.at',
};

export function createSqliteBudgetStore(sql: Sql): RequestBudgetPort {
  const draw = (name: string, shape: Parameters<RequestBudgetPort['draw']>[1], req: Parameters<RequestBudgetPort['draw']>[2]) => {
    const row = (sql.st(SQL.get).get(name) as BucketRow | undefined) ?? null;
    const d = drawTokens(row, shape, req);
    // Nothing granted: no write. Refilling is the same from the older row (capped either way),
    // so a waiting replica's asking costs a read.
    if (d.granted > 0 || !row) sql.st(SQL.put).run(name, d.row.credit, d.row.at);
    return { granted: d.granted, waitMs: d.waitMs };
  };
  return {
    async draw(name, shape, req) {
      // In the turn's IMMEDIATE transaction: the row is read and written under the file's write lock.
      return sql.later('request_budget', () => draw(name, shape, req));
    },
  };
}
