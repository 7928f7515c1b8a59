import { z } from 'zod';
import type { ClientCardPort, StoredCard } from '../directory/types.js';
import type { Db } from './database.js';

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

/**
 * Client cards in the store (`client_cards`), one row per service id. Rows older than
 * `keepMs` are dropped as new cards arrive, so the table holds only cards someone could still
 * trust; a row that does not parse is treated as missing.
 */
export function createClientCardRepository(db: Db, keepMs: number): ClientCardPort {
  const one = db.prepare('SELECT card, fetched_at FROM client_cards WHERE service_id = ?');
  const upsert = db.prepare(
    `INSERT INTO client_cards (service_id, card, fetched_at) VALUES (?, ?, ?)
     ON CONFLICT(service_id) DO UPDATE SET card = excluded.card, fetched_at = excluded.fetched_at`,
  );
  const prune = db.prepare('DELETE FROM client_cards WHERE fetched_at < ?');
  const putAll = db.transaction((cards: readonly StoredCard[]) => {
    let newest = 0;
    for (const c of cards) {
      upsert.run(c.record.serviceId, JSON.stringify(c.record), c.fetchedAt);
      newest = Math.max(newest, c.fetchedAt);
    }
    prune.run(newest - keepMs);
  });
  return {
    get(serviceId) {
      const row = one.get(serviceId) as { card: string; fetched_at: number } | undefined;
      if (!row) return null;
      try {
        return { record: cardSchema.parse(JSON.parse(row.card)), fetchedAt: row.fetched_at };
      } catch {
        return null;
      }
    },
    put(cards) {
      putAll(cards);
    },
  };
}
