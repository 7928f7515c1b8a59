/**
 * The small ports on PostgreSQL: client cards and duration models (caches: with the server away
 * a card is not found and a model not saved, said in the log, nothing waits on them) and the
 * intake queue (alerts the hooks accepted: with the server away the hook refuses, so the
 * sender keeps the alert and sends it again).
 */
import type { ClientCardPort, DurationModelPort, IntakeQueue, StoredCard } from '../ports.js';
import { CARD_PRUNE_EVERY_MS, cardSchema, weightsText } from '../records.js';
import { toDurationModels, type DurationModelRow } from '../rows.js';
import { StoreUnavailableError } from '../errors.js';
import type { Link } from './link.js';

const WEEK_MS = 7 * 86_400_000;

export function createPgIntakeQueue(link: Link): IntakeQueue {
  return {
    async add(alerts, now, max) {
      return link.transaction(async (q) => {
        // One adder at a time, so two replicas cannot both pass the bound.
        await q("SELECT pg_advisory_xact_lock(hashtext('pingops:intake'))");
        const n = (await q<{ n: number }>('SELECT COUNT(*)::bigint AS n FROM noc_intake WHERE done_at IS NULL')).rows[0]?.n ?? 0;
        if (n + alerts.length > max) return null;
        const ids: number[] = [];
        for (const a of alerts) ids.push(((await q<{ id: number }>('INSERT INTO noc_intake (alert, received_at) VALUES ($1, $2) RETURNING id', [JSON.stringify(a), now])).rows[0] as { id: number }).id);
        return ids;
      });
    },
    async pending(limit) {
      const r = await link.read((q) => q<{ id: number; alert: string }>('SELECT id, alert FROM noc_intake WHERE done_at IS NULL ORDER BY id LIMIT $1', [limit]));
      return r.rows.map((x) => ({ id: x.id, alert: JSON.parse(x.alert) as unknown }));
    },
    async done(ids, now) {
      await link.read(async (q) => {
        await q('UPDATE noc_intake SET done_at = $1 WHERE id = ANY($2::bigint[])', [now, ids]);
        if (ids.some((id) => id % 100 === 0)) await q('DELETE FROM noc_intake WHERE done_at IS NOT NULL AND done_at < $1', [now - WEEK_MS]);
      });
    },
  };
}


export function createPgCardStore(link: Link, keepMs: number): ClientCardPort {
  let prunedAt = -Infinity;
  return {
    async get(serviceId) {
      // A cache: with the server away the card is looked up again instead.
      if (!link.reachable) return null;
      const r = await link.read((q) => q<{ card: string; fetched_at: number }>('SELECT card, fetched_at FROM client_cards WHERE service_id = $1', [serviceId])).catch(unlessUnavailable(null));
      const row = r?.rows[0];
      if (!row) return null;
      try {
        return { record: cardSchema.parse(JSON.parse(row.card)), fetchedAt: row.fetched_at };
      } catch {
        return null;
      }
    },
    async put(cards: readonly StoredCard[]) {
      if (cards.length === 0 || !link.reachable) return;
      const newest = Math.max(...cards.map((c) => c.fetchedAt));
      const prune = newest - prunedAt >= CARD_PRUNE_EVERY_MS;
      await link
        .transaction(async (q) => {
          // One statement for the batch: a directory refresh puts thousands of cards.
          await q(
            `INSERT INTO client_cards (service_id, card, fetched_at)
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[])
             ON CONFLICT (service_id) DO UPDATE SET card = excluded.card, fetched_at = excluded.fetched_at`,
            [cards.map((c) => c.record.serviceId), cards.map((c) => JSON.stringify(c.record)), cards.map((c) => c.fetchedAt)],
          );
          if (prune) await q('DELETE FROM client_cards WHERE fetched_at < $1', [newest - keepMs]);
        })
        .catch(unlessUnavailable(undefined));
      if (prune) prunedAt = newest;
    },
  };
}

export function createPgDurationModelStore(link: Link): DurationModelPort {
  return {
    async loadAll() {
      const r = await link.read((q) => q<DurationModelRow>('SELECT key, bin_ms, weights, observed, updated_at FROM duration_models'));
      return toDurationModels(r.rows);
    },
    async save(models) {
      if (models.length === 0) return;
      await link.read((q) =>
        q(
          `INSERT INTO duration_models (key, bin_ms, weights, observed, updated_at)
           SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::bigint[], $5::bigint[])
           ON CONFLICT (key) DO UPDATE SET bin_ms = excluded.bin_ms, weights = excluded.weights, observed = excluded.observed, updated_at = excluded.updated_at`,
          [models.map((m) => m.key), models.map((m) => m.model.binMs), models.map((m) => weightsText(m.model.weights)), models.map((m) => m.model.observed), models.map((m) => m.updatedAt)],
        ),
      );
    },
  };
}

/** A cache's miss instead of an error while the server is away; any other error goes on up. */
const unlessUnavailable =
  <T>(fallback: T) =>
  (err: unknown): T => {
    if (err instanceof StoreUnavailableError) return fallback;
    throw err;
  };
