/**
 * The shared request budget on PostgreSQL (migration `0004-request-budget`): one row per
 * bucket, locked with `SELECT … FOR UPDATE` for one draw, so replicas never spend the same
 * credit. The decision is core's (`drawTokens`); this file only keeps the row. With the server
 * away a draw is StoreUnavailableError and core/shared-budget falls back to a local share.
 */
import { drawTokens, fullRow, type RequestBudgetPort } from '../../core/request-budget.js';
import type { Link } from './link.js';

export function createPgBudgetStore(link: Link): RequestBudgetPort {
  return {
    async draw(name, shape, req) {
      return link.transaction(async (q) => {
        let row = (await q<{ credit: number; at: number }>('SELECT credit, at FROM request_budget WHERE name = $1 FOR UPDATE', [name])).rows[0] ?? null;
        if (!row) {
          // The first draw ever: two replicas may race to create the row; the loser locks the winner's.
          const first = fullRow(shape, req.now);
          await q('INSERT INTO request_budget (name, credit, at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING', [name, first.credit, first.at]);
          row = (await q<{ credit: number; at: number }>('SELECT credit, at FROM request_budget WHERE name = $1 FOR UPDATE', [name])).rows[0] ?? first;
        }
        const d = drawTokens(row, shape, req);
        // Nothing granted: no write (refilling from the older row gives the same credit).
        if (d.granted > 0) await q('UPDATE request_budget SET credit = $2, at = $3 WHERE name = $1', [name, d.row.credit, d.row.at]);
        return { granted: d.granted, waitMs: d.waitMs };
      });
    },
  };
}
