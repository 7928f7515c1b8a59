import { drawTokens, type BucketRow, type RequestBudgetPort } from '../../src/core/request-budget.js';
import { StoreUnavailableError } from '../../src/store/errors.js';

/** The store's side in memory (the contract suite proves the real stores do the same), able to fail like a lost server. */
export function memoryBudgetPort(): RequestBudgetPort & { down: boolean; draws: number } {
  const rows = new Map<string, BucketRow>();
  const port = {
    down: false,
    draws: 0,
    async draw(name: string, shape: Parameters<RequestBudgetPort['draw']>[1], req: Parameters<RequestBudgetPort['draw']>[2]) {
      port.draws++;
      await Promise.resolve();
      if (port.down) throw new StoreUnavailableError('the database is unreachable');
      const d = drawTokens(rows.get(name) ?? null, shape, req);
      rows.set(name, d.row);
      return { granted: d.granted, waitMs: d.waitMs };
    },
  };
  return port;
}
