/**
 * The small ports on PostgreSQL: client cards, the result cache and duration models (caches: with the server away
 * a card is not found and a model not saved, said in the log, nothing waits on them) and the
 * intake queue (alerts the hooks accepted: with the server away the hook refuses, so the
 * sender keeps the alert and sends it again).
 */
import { RESULT_KEEP_MS, SIGNAL_TTL_MS, type ClientCardPort, type ResultCachePort, type DurationModelPort, type HeldRequest, type HeldRequestStore, type IntakeQueue, type Signal, type SignalQueue, type StoredCard } from '../ports.js';
import { CARD_PRUNE_EVERY_MS, cardSchema, RESULT_PRUNE_EVERY_MS, storedVerdict, weightsText } from '../records.js';
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
    async get(provider, serviceId) {
      // A cache: with the server away the card is looked up again instead.
      if (!link.reachable) return null;
      const r = await link
        .read((q) => q<{ card: string; fetched_at: number }>('SELECT card, fetched_at FROM provider_cards WHERE provider = $1 AND service_id = $2', [provider, serviceId]))
        .catch(unlessUnavailable(null));
      const row = r?.rows[0];
      if (!row) return null;
      try {
        return { record: cardSchema.parse(JSON.parse(row.card)), fetchedAt: row.fetched_at };
      } catch {
        return null;
      }
    },
    async put(provider, cards: readonly StoredCard[]) {
      if (cards.length === 0 || !link.reachable) return;
      const newest = Math.max(...cards.map((c) => c.fetchedAt));
      const prune = newest - prunedAt >= CARD_PRUNE_EVERY_MS;
      await link
        .transaction(async (q) => {
          // One statement for the batch: a directory refresh puts thousands of cards.
          await q(
            `INSERT INTO provider_cards (provider, service_id, card, fetched_at)
             SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::bigint[])
             ON CONFLICT (provider, service_id) DO UPDATE SET card = excluded.card, fetched_at = excluded.fetched_at`,
            [provider, cards.map((c) => c.record.serviceId), cards.map((c) => JSON.stringify(c.record)), cards.map((c) => c.fetchedAt)],
          );
          if (prune) await q('DELETE FROM provider_cards WHERE fetched_at < $1', [newest - keepMs]);
        })
        .catch(unlessUnavailable(undefined));
      if (prune) prunedAt = newest;
    },
  };
}

/** The result cache across replicas (see sqlite/results.ts): a cache, so the server away means a miss and a put not kept. */
export function createPgResultCache(link: Link): ResultCachePort {
  let prunedAt = -Infinity;
  return {
    async get(provider, serviceId, packets, maxAgeMs, now) {
      if (!link.reachable) return null;
      const r = await link
        .read((q) =>
          q<{ final: string }>('SELECT final FROM result_cache WHERE provider = $1 AND service_id = $2 AND packets = $3 AND finished_at >= $4', [
            provider,
            serviceId,
            packets,
            now - maxAgeMs,
          ]),
        )
        .catch(unlessUnavailable(null));
      const row = r?.rows[0];
      return row ? storedVerdict(row.final, serviceId) : null;
    },
    async put(provider, packets, state, now) {
      if (!link.reachable) return;
      const prune = now - prunedAt >= RESULT_PRUNE_EVERY_MS;
      await link
        .read(async (q) => {
          // A slower replica's older verdict never replaces a newer one.
          await q(
            `INSERT INTO result_cache (provider, service_id, packets, final, finished_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (provider, service_id, packets) DO UPDATE SET final = excluded.final, finished_at = excluded.finished_at
             WHERE excluded.finished_at >= result_cache.finished_at`,
            [provider, state.serviceId, packets, JSON.stringify(state), now],
          );
          if (prune) await q('DELETE FROM result_cache WHERE finished_at < $1', [now - RESULT_KEEP_MS]);
        })
        .catch(unlessUnavailable(undefined));
      if (prune) prunedAt = now;
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

/** Signals between replicas (see SignalQueue): a count and an insert under one lock per target. */
export function createPgSignalQueue(link: Link): SignalQueue {
  return {
    async send(target, kind, body, now, max) {
      return link.transaction(async (q) => {
        await q('SELECT pg_advisory_xact_lock(hashtext($1))', [`pingops:signals:${target}`]);
        await q('DELETE FROM signals WHERE created_at < $1', [now - SIGNAL_TTL_MS]);
        const n = Number((await q<{ n: string }>('SELECT COUNT(*) AS n FROM signals WHERE target = $1', [target])).rows[0]?.n ?? 0);
        if (n >= max) return null;
        return Number((await q<{ id: string }>('INSERT INTO signals (target, kind, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id', [target, kind, JSON.stringify(body), now])).rows[0]?.id);
      });
    },
    async take(target, limit) {
      const r = await link.read((q) => q<{ id: string; target: string; kind: string; body: string; created_at: string }>('SELECT id, target, kind, body, created_at FROM signals WHERE target = $1 ORDER BY id LIMIT $2', [target, limit]));
      return r.rows.map((x): Signal => ({ id: Number(x.id), target: x.target, kind: x.kind, body: JSON.parse(x.body) as unknown, createdAt: Number(x.created_at) }));
    },
    async done(ids) {
      if (ids.length === 0) return;
      await link.read((q) => q('DELETE FROM signals WHERE id = ANY($1::bigint[])', [ids]));
    },
  };
}

/**
 * Requests in hand (see HeldRequestStore). A hold and its release are writes under the request's
 * key: kept in order, and held in memory while the server is away (an idempotent insert, a
 * delete), as a check's writes are; the reads and the adoption need the server.
 */
export function createPgHeldRequests(link: Link): HeldRequestStore {
  const keyOf = (key: string) => `held:${key}`;
  return {
    async hold(r) {
      const values = [r.key, r.surface, r.owner, JSON.stringify(r.body), r.receivedAt];
      await link.write({ key: keyOf(r.key), run: async (q) => void (await q('INSERT INTO held_requests (key, surface, owner, body, received_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING', values)) });
    },
    async release(key) {
      await link.write({ key: keyOf(key), run: async (q) => void (await q('DELETE FROM held_requests WHERE key = $1', [key])) });
    },
    async heldByOthers(surface, me, limit) {
      const r = await link.read((q) => q<{ key: string; surface: string; owner: string; body: string; received_at: string }>('SELECT key, surface, owner, body, received_at FROM held_requests WHERE surface = $1 AND owner <> $2 ORDER BY received_at, key LIMIT $3', [surface, me, limit]));
      return r.rows.map((x): HeldRequest => ({ key: x.key, surface: x.surface, owner: x.owner, body: JSON.parse(x.body) as unknown, receivedAt: Number(x.received_at) }));
    },
    async adopt(key, expected, owner) {
      const r = await link.read((q) => q('UPDATE held_requests SET owner = $3 WHERE key = $1 AND owner = $2', [key, expected, owner]));
      return r.rowCount === 1;
    },
  };
}
