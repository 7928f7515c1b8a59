import type { DurationModelPort, StoredDurationModel } from '../ports.js';
import { weightsText } from '../records.js';
import { toDurationModels, type DurationModelRow } from '../rows.js';
import type { Sql } from './handle.js';

/**
 * The learning schedule's models in the store (`duration_models`). A row that does not parse
 * (written by hand, or by a pingops with another model) is skipped: the schedule starts that
 * key from the packet model again rather than trusting it.
 */
export function createSqliteDurationModelStore(sql: Sql): DurationModelPort {
  const saveAll = (models: readonly StoredDurationModel[]) => {
    for (const m of models) {
      sql.st(UPSERT).run({
        key: m.key,
        binMs: m.model.binMs,
        weights: weightsText(m.model.weights),
        observed: m.model.observed,
        updatedAt: m.updatedAt,
      });
    }
  };
  return {
    async loadAll() {
      return toDurationModels(sql.st('SELECT key, bin_ms, weights, observed, updated_at FROM duration_models').all() as DurationModelRow[]);
    },
    async save(models) {
      sql.write(() => sql.tx(saveAll)(models));
    },
  };
}

const UPSERT = `INSERT INTO duration_models (key, bin_ms, weights, observed, updated_at) VALUES (@key, @binMs, @weights, @observed, @updatedAt)
  ON CONFLICT(key) DO UPDATE SET bin_ms = excluded.bin_ms, weights = excluded.weights, observed = excluded.observed, updated_at = excluded.updated_at`;
