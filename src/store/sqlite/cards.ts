import { z } from 'zod';
import type { ClientCardPort, StoredCard } from '../ports.js';
import type { Sql } from './handle.js';

const nullableString = z.string().nullable();
const nullableNumber = z.number().finite().nullable();
const cardSchema = z.object({
  serviceId: z.number().int().positive(),
  name: z.string(),
  document: nullableString,
  phone: nullableString,
  address: nullableString,
  city: nullableString,
  locality: nullableString,
  paymentStatus: nullableString,
  zoneId: nullableNumber,
  antennaIp: nullableString,
  cutOffDate: nullableString,
  outstandingBalance: nullableNumber,
  lanInterface: nullableString,
  planName: nullableString,
  planPrice: nullableNumber,
  technicianId: nullableNumber,
  // Cards stored before routers were known read as "no router".
  router: z.object({ id: z.number().int(), name: z.string(), generalFault: nullableString }).nullable().default(null),
  sector: z.object({ id: z.number().int(), name: z.string() }).nullable().default(null),
  zoneName: nullableString.default(null),
});

/** How often (in card time) stale cards are deleted: each put costs an indexed look-up anyway. */
const PRUNE_EVERY_MS = 60_000;

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
    if (newest - prunedAt >= PRUNE_EVERY_MS) {
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
