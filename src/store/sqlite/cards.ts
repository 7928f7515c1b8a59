import type { ClientCardPort, StoredCard } from '../ports.js';
import { CARD_PRUNE_EVERY_MS, cardSchema } from '../records.js';
import type { Sql } from './handle.js';


/**
 * Client cards in the store (`client_cards`), one row per service id. Rows older than
 * `keepMs` are dropped as new cards arrive (at most once a minute, on the `fetched_at` index),
 * so the table holds only cards someone could still trust; a row that does not parse is treated
 * as missing.
 */
export function createSqliteCardStore(sql: Sql, keepMs: number): ClientCardPort {
  let prunedAt = -Infinity;
  const putAll = (cards: readonly StoredCard[]) => {
    let newest = 0;
    for (const c of cards) {
      sql.st(UPSERT).run(c.record.serviceId, JSON.stringify(c.record), c.fetchedAt);
      newest = Math.max(newest, c.fetchedAt);
    }
    if (newest - prunedAt >= CARD_PRUNE_EVERY_MS) {
      sql.st('DELETE FROM client_cards WHERE fetched_at < ?').run(newest - keepMs);
      prunedAt = newest;
    }
  };
  return {
    async get(serviceId) {
      const row = sql.st('SELECT card, fetched_at FROM client_cards WHERE service_id = ?').get(serviceId) as { card: string; fetched_at: number } | undefined;
      if (!row) return null;
      try {
        return { record: cardSchema.parse(JSON.parse(row.card)), fetchedAt: row.fetched_at };
      } catch {
        return null;
      }
    },
    async put(cards) {
      sql.write(() => sql.tx(putAll)(cards));
    },
  };
}

const UPSERT = `INSERT INTO client_cards (service_id, card, fetched_at) VALUES (?, ?, ?)
  ON CONFLICT(service_id) DO UPDATE SET card = excluded.card, fetched_at = excluded.fetched_at`;
