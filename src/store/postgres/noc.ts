/**
 * The NOC's tables on PostgreSQL: watch list, silences, trackers, incidents, outbox, the
 * watcher's lease, and where each incident lives in chat. A server that is away makes these
 * calls fail (StoreUnavailableError): the watcher keeps its changes in memory and tries again.
 */
import { randomUUID } from 'node:crypto';
import type { IncidentMessages, IncidentRecord, NocChanges, NocMessageStore, NocSnapshot, NocStore, OutboxItem, EventRecord, PostStep, SilenceRecord, WatchEntry } from '../ports.js';
import { toWatch, type WatchRow } from '../rows.js';
import type { Link } from './link.js';

const WEEK_MS = 7 * 86_400_000;

export function createPgNocStore(link: Link): NocStore {
  /**
   * A commit whose COMMIT was sent but not answered (the connection dropped) may have landed;
   * the watcher then retries the same Drained object. Its token makes the retry find the first
   * one's outbox ids instead of writing the events a second time.
   */
  const tokens = new WeakMap<NocChanges, string>();
  const read = <T>(fn: Parameters<Link['read']>[0]) => link.read(fn) as Promise<T>;

  return {
    async listWatches() {
      return read<WatchEntry[]>(async (q) => (await q<WatchRow>('SELECT * FROM noc_watch ORDER BY id')).rows.map(toWatch));
    },
    async addWatch(e, now) {
      const r = await link.read((q) =>
        q<WatchRow>(
          `INSERT INTO noc_watch (kind, ref, interval_ms, channel, created_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (kind, COALESCE(ref, -1)) DO UPDATE SET interval_ms = excluded.interval_ms, channel = excluded.channel
           RETURNING *`,
          [e.kind, e.ref, e.intervalMs, e.channel, now],
        ),
      );
      return toWatch(r.rows[0] as WatchRow);
    },
    async removeWatch(kind, ref) {
      const r = await link.read((q) => q('DELETE FROM noc_watch WHERE kind = $1 AND COALESCE(ref, -1) = COALESCE($2::bigint, -1)', [kind, ref]));
      return (r.rowCount ?? 0) > 0;
    },
    async silences(now) {
      return link.read(async (q) => {
        await q('DELETE FROM noc_silence WHERE until <= $1', [now]);
        const r = await q<{ scope: string; until: number; reason: string | null; created_at: number }>(
          'SELECT scope, until, reason, created_at FROM noc_silence WHERE until > $1 ORDER BY until',
          [now],
        );
        return r.rows.map((x): SilenceRecord => ({ scope: x.scope, until: x.until, reason: x.reason, createdAt: x.created_at }));
      });
    },
    async removeSilences(scope, now) {
      const r = await link.read((q) => q('DELETE FROM noc_silence WHERE scope = $1 AND until > $2', [scope, now]));
      return r.rowCount ?? 0;
    },
    async addSilence(s) {
      await link.read((q) => q('INSERT INTO noc_silence (scope, until, reason, created_at) VALUES ($1, $2, $3, $4)', [s.scope, s.until, s.reason, s.createdAt]));
    },
    async loadEngine(): Promise<NocSnapshot> {
      return link.read(async (q) => {
        const tracks = new Map<string, unknown>();
        for (const r of (await q<{ key: string; state: string }>('SELECT key, state FROM noc_track')).rows) tracks.set(r.key, JSON.parse(r.state) as unknown);
        const incidents = (await q<{ body: string }>("SELECT body FROM noc_incident WHERE state <> 'resolved' ORDER BY id DESC LIMIT 10000")).rows.map((r) => JSON.parse(r.body) as IncidentRecord);
        const n = (await q<{ n: number }>('SELECT COALESCE(MAX(id), 0)::bigint AS n FROM noc_incident')).rows[0]?.n ?? 0;
        return { tracks, incidents, nextIncidentId: n + 1 };
      });
    },
    async commit(d, now) {
      let token = tokens.get(d);
      if (!token) tokens.set(d, (token = randomUUID()));
      const t = token;
      return link.transaction(async (q) => {
        const seen = await q<{ outbox_ids: string }>('INSERT INTO noc_commit (token, outbox_ids, at) VALUES ($1, $2, $3) ON CONFLICT (token) DO NOTHING RETURNING outbox_ids', [t, '[]', now]);
        if (seen.rowCount === 0) {
          const first = await q<{ outbox_ids: string }>('SELECT outbox_ids FROM noc_commit WHERE token = $1', [t]);
          return JSON.parse(first.rows[0]?.outbox_ids ?? '[]') as number[];
        }
        for (const [key, tr] of d.tracks) {
          await q('INSERT INTO noc_track (key, state, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at', [key, JSON.stringify(tr), now]);
        }
        for (const i of d.incidents) {
          await q(
            'INSERT INTO noc_incident (id, scope, state, opened_at, resolved_at, body) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET state = excluded.state, resolved_at = excluded.resolved_at, body = excluded.body',
            [i.id, i.scope, i.state, i.openedAt, i.resolvedAt, JSON.stringify(i)],
          );
        }
        const ids: number[] = [];
        for (const e of d.events) {
          const r = await q<{ id: number }>('INSERT INTO noc_outbox (incident_id, event, created_at) VALUES ($1, $2, $3) RETURNING id', [e.incident?.id ?? null, JSON.stringify(e), now]);
          ids.push((r.rows[0] as { id: number }).id);
        }
        await q('UPDATE noc_commit SET outbox_ids = $2 WHERE token = $1', [t, JSON.stringify(ids)]);
        await q('DELETE FROM noc_commit WHERE at < $1', [now - WEEK_MS]);
        return ids;
      });
    },
    async pendingOutbox(limit): Promise<OutboxItem[]> {
      const r = await link.read((q) => q<{ id: number; event: string; attempts: number }>('SELECT id, event, attempts FROM noc_outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1', [limit]));
      return r.rows.map((x) => ({ id: x.id, event: JSON.parse(x.event) as EventRecord, attempts: x.attempts }));
    },
    async markSent(id, now) {
      await link.read(async (q) => {
        await q('UPDATE noc_outbox SET sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2', [now, id]);
        // Sent notifications are kept a week (for a look at what went out), then forgotten.
        if (id % 100 === 0) await q('DELETE FROM noc_outbox WHERE sent_at IS NOT NULL AND sent_at < $1', [now - WEEK_MS]);
      });
    },
    async markFailed(id, error) {
      await link.read((q) => q('UPDATE noc_outbox SET attempts = attempts + 1, last_error = $1 WHERE id = $2', [error.slice(0, 500), id]));
    },
    async incidents({ openOnly, limit }) {
      const sql = openOnly ? "SELECT body FROM noc_incident WHERE state <> 'resolved' ORDER BY id DESC LIMIT $1" : 'SELECT body FROM noc_incident ORDER BY id DESC LIMIT $1';
      const r = await link.read((q) => q<{ body: string }>(sql, [limit]));
      return r.rows.map((x) => JSON.parse(x.body) as IncidentRecord);
    },
    async eventsAfter(afterId, limit) {
      const r = await link.read((q) => q<{ id: number; event: string }>('SELECT id, event FROM noc_outbox WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit]));
      return r.rows.map((x) => ({ id: x.id, event: JSON.parse(x.event) as EventRecord }));
    },
    async setMeta(key, value) {
      await link.read((q) => q('INSERT INTO noc_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, JSON.stringify(value)]));
    },
    async getMeta(key) {
      const r = await link.read((q) => q<{ value: string }>('SELECT value FROM noc_meta WHERE key = $1', [key]));
      return r.rows[0] ? (JSON.parse(r.rows[0].value) as unknown) : null;
    },
  };
}

/** Where each incident lives in chat, and what each outbox event posted. */
export function createPgNocMessageStore(link: Link): NocMessageStore {
  return {
    async messages(incidentId, surface) {
      const r = await link.read((q) => q<{ channel: string; root_id: string | null; thread_id: string | null }>('SELECT channel, root_id, thread_id FROM noc_message WHERE incident_id = $1 AND surface = $2', [incidentId, surface]));
      const m = r.rows[0];
      return m ? { channel: m.channel, rootId: m.root_id, threadId: m.thread_id } : null;
    },
    async saveMessages(incidentId, surface, m: IncidentMessages, now) {
      await link.read((q) =>
        q(
          'INSERT INTO noc_message (incident_id, surface, channel, root_id, thread_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (incident_id, surface) DO UPDATE SET channel = excluded.channel, root_id = excluded.root_id, thread_id = excluded.thread_id, updated_at = excluded.updated_at',
          [incidentId, surface, m.channel, m.rootId, m.threadId, now],
        ),
      );
    },
    async post(outboxId, surface, step: PostStep) {
      const r = await link.read((q) => q<{ state: 'sending' | 'sent'; message_id: string | null }>('SELECT state, message_id FROM noc_post WHERE outbox_id = $1 AND surface = $2 AND step = $3', [outboxId, surface, step]));
      const p = r.rows[0];
      return p ? { state: p.state, messageId: p.message_id } : null;
    },
    async recordPost(outboxId, surface, step, state, messageId, now) {
      await link.read(async (q) => {
        await q(
          'INSERT INTO noc_post (outbox_id, surface, step, state, message_id, at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (outbox_id, surface, step) DO UPDATE SET state = excluded.state, message_id = excluded.message_id, at = excluded.at',
          [outboxId, surface, step, state, messageId, now],
        );
        // Records older than the outbox keeps its sent rows (a week) can never be asked for again.
        if (outboxId % 100 === 0) await q('DELETE FROM noc_post WHERE at < $1', [now - 8 * 86_400_000]);
      });
    },
    async clearPost(outboxId, surface, step) {
      await link.read((q) => q('DELETE FROM noc_post WHERE outbox_id = $1 AND surface = $2 AND step = $3', [outboxId, surface, step]));
    },
  };
}
