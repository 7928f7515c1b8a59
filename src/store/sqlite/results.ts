/**
 * The result cache across processes (issue 16, `result_cache`): the newest verdict per
 * provider, service id and packet count. Before, `recall` read the checks table, which knew
 * no provider: a verdict of the middleware was served to a WispHub-direct check, and a wrong
 * key answered from a right key's verdict. One upserted row per key keeps the table as small
 * as the client list and each look-up a primary-key read.
 */
import { RESULT_KEEP_MS, type ResultCachePort } from '../ports.js';
import { RESULT_PRUNE_EVERY_MS, storedVerdict } from '../records.js';
import type { Migration } from './connection.js';
import type { Sql } from './handle.js';

export const RESULT_CACHE_MIGRATION: Migration = {
  id: '0011-result-cache',
  sql: `
    CREATE TABLE result_cache (
      provider TEXT NOT NULL,
      service_id INTEGER NOT NULL,
      packets INTEGER NOT NULL,
      final TEXT NOT NULL,
      finished_at INTEGER NOT NULL,
      PRIMARY KEY (provider, service_id, packets)
    );
    CREATE INDEX result_cache_finished_at ON result_cache (finished_at);
  `,
};

const SQL = {
  get: 'SELECT final FROM result_cache WHERE provider = ? AND service_id = ? AND packets = ? AND finished_at >= ?',
  // A slower replica's older verdict never replaces a newer one.
  upsert: `INSERT INTO result_cache (provider, service_id, packets, final, finished_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (provider, service_id, packets) DO UPDATE SET final = excluded.final, finished_at = excluded.finished_at
    WHERE excluded.finished_at >= result_cache.finished_at`,
  prune: 'DELETE FROM result_cache WHERE finished_at < ?',
};

export function createSqliteResultCache(sql: Sql): ResultCachePort {
  let prunedAt = -Infinity;
  return {
    async get(provider, serviceId, packets, maxAgeMs, now) {
      sql.flush('result_cache');
      const row = sql.st(SQL.get).get(provider, serviceId, packets, now - maxAgeMs) as { final: string } | undefined;
      return row ? storedVerdict(row.final, serviceId) : null;
    },
    async put(provider, packets, state, now) {
      await sql.later('result_cache', () => {
        sql.st(SQL.upsert).run(provider, state.serviceId, packets, JSON.stringify(state), now);
        if (now - prunedAt >= RESULT_PRUNE_EVERY_MS) {
          sql.st(SQL.prune).run(now - RESULT_KEEP_MS);
          prunedAt = now;
        }
      });
    },
  };
}
