import type { ClientCardPort, StoredCard } from '../ports.js';
import { CARD_PRUNE_EVERY_MS, cardSchema } from '../records.js';
import type { Migration } from './connection.js';
import type { Sql } from './handle.js';

/**
 * Issue 16: cards keyed by the provider that described them (`provider_cards`). A new table
 * rather than a column on `client_cards`: a card stored before knew no provider and must never
 * match one, and the old table's rows simply go unread (a replica of the previous release
 * still running during an upgrade keeps writing there without failing).
 */
export const PROVIDER_CARDS_MIGRATION: Migration = {
  id: '0010-provider-cards',
  sql: `
    CREATE TABLE provider_cards (
      provider TEXT NOT NULL,
      service_id INTEGER NOT NULL,
      card TEXT NOT NULL,
      fetched_at INTEGER NOT NULL,
      PRIMARY KEY (provider, service_id)
    );
    CREATE INDEX provider_cards_fetched_at ON provider_cards (fetched_at);
  `,
};

const SQL = {
  get: 'SELECT card, fetched_at FROM provider_cards WHERE provider = ? AND service_id = ?',
  upsert: `INSERT INTO provider_cards (provider, service_id, card, fetched_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (provider, service_id) DO UPDATE SET card = excluded.card, fetched_at = excluded.fetched_at`,
  prune: 'DELETE FROM provider_cards WHERE fetched_at < ?',
};

/**
 * Client cards in the store, one row per provider and service id. Rows older than `keepMs` are
 * dropped as new cards arrive (at most once a minute, on the `fetched_at` index), so the table
 * holds only cards someone could still trust; a row that does not parse is treated as missing.
 */
export function createSqliteCardStore(sql: Sql, keepMs: number): ClientCardPort {
  let prunedAt = -Infinity;
  const putAll = (provider: string, cards: readonly StoredCard[]) => {
    let newest = 0;
    for (const c of cards) {
      sql.st(SQL.upsert).run(provider, c.record.serviceId, JSON.stringify(c.record), c.fetchedAt);
      newest = Math.max(newest, c.fetchedAt);
    }
    if (newest - prunedAt >= CARD_PRUNE_EVERY_MS) {
      sql.st(SQL.prune).run(newest - keepMs);
      prunedAt = newest;
    }
  };
  return {
    async get(provider, serviceId) {
      sql.flush('provider_cards');
      const row = sql.st(SQL.get).get(provider, serviceId) as { card: string; fetched_at: number } | undefined;
      if (!row) return null;
      try {
        return { record: cardSchema.parse(JSON.parse(row.card)), fetchedAt: row.fetched_at };
      } catch {
        return null;
      }
    },
    async put(provider, cards) {
      await sql.later('provider_cards', () => putAll(provider, cards));
    },
  };
}
