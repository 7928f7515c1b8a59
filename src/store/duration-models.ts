import { z } from 'zod';
import type { DurationModelPort, StoredDurationModel } from '../core/schedule-learner.js';
import type { Db } from './database.js';

const weightsSchema = z.array(z.number().finite().nonnegative()).min(2).max(10_000);

/**
 * The learning schedule's models in the store (`duration_models`). A row that does not parse
 * (written by hand, or by a pingops with another model) is skipped: the schedule starts that
 * key from the packet model again rather than trusting it.
 */
export function createDurationModelRepository(db: Db): DurationModelPort {
  const all = db.prepare('SELECT key, bin_ms, weights, observed, updated_at FROM duration_models');
  const upsert = db.prepare(
    `INSERT INTO duration_models (key, bin_ms, weights, observed, updated_at) VALUES (@key, @binMs, @weights, @observed, @updatedAt)
     ON CONFLICT(key) DO UPDATE SET bin_ms = excluded.bin_ms, weights = excluded.weights, observed = excluded.observed, updated_at = excluded.updated_at`,
  );
  const saveAll = db.transaction((models: readonly StoredDurationModel[]) => {
    for (const m of models) {
      upsert.run({
        key: m.key,
        binMs: m.model.binMs,
        // Six significant digits are plenty for beliefs and keep a row near 4 KB.
        weights: JSON.stringify(m.model.weights.map((w) => Number(w.toPrecision(6)))),
        observed: m.model.observed,
        updatedAt: m.updatedAt,
      });
    }
  });
  return {
    loadAll() {
      const out: StoredDurationModel[] = [];
      for (const row of all.all() as { key: string; bin_ms: number; weights: string; observed: number; updated_at: number }[]) {
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
    save(models) {
      saveAll(models);
    },
  };
}
