import { z } from 'zod';
import type { DurationModelPort, StoredDurationModel } from '../ports.js';
import type { Sql } from './handle.js';

const weightsSchema = z.array(z.number().finite().nonnegative()).min(2).max(10_000);

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
        // Six significant digits are plenty for beliefs and keep a row near 4 KB.
        weights: JSON.stringify(m.model.weights.map((w) => Number(w.toPrecision(6)))),
        observed: m.model.observed,
        updatedAt: m.updatedAt,
      });
    }
  };
  return {
    async loadAll() {
      const out: StoredDurationModel[] = [];
      const rows = sql.st('SELECT key, bin_ms, weights, observed, updated_at FROM duration_models').all() as {
        key: string;
        bin_ms: number;
        weights: string;
        observed: number;
        updated_at: number;
      }[];
      for (const row of rows) {
        let weights: number[];
        try {
          weights = weightsSchema.parse(JSON.parse(row.weights));
        } catch {
          continue;
        }
        out.push({ key: row.key, model: { binMs: row.bin_ms, weights, observed: row.observed }, updatedAt: row.updated_at });
      }
      return out;
    },
    async save(models) {
      sql.write(() => sql.tx(saveAll)(models));
    },
  };
}

const UPSERT = `INSERT INTO duration_models (key, bin_ms, weights, observed, updated_at) VALUES (@key, @binMs, @weights, @observed, @updatedAt)
  ON CONFLICT(key) DO UPDATE SET bin_ms = excluded.bin_ms, weights = excluded.weights, observed = excluded.observed, updated_at = excluded.updated_at`;
