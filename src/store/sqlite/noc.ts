/**
 * The NOC's tables in SQLite (migration `0002-noc`). Trackers and incident members are JSON:
 * they are read and written whole, by one process, and never queried inside.
 */
import type { NocChanges, NocRecords, NocSnapshot, NocStore, OutboxItem, WatchEntry, WatchKind } from '../ports.js';
import type { Migration } from './connection.js';
import type { Sql } from './handle.js';
import { toWatch, type WatchRow } from '../rows.js';

export const NOC_MIGRATION: Migration = {
  id: '0002-noc',
  sql: `
    CREATE TABLE noc_watch (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('client', 'router', 'zone', 'all')),
      ref INTEGER,
      interval_ms INTEGER NOT NULL,
      channel TEXT,
      created_at INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX noc_watch_target ON noc_watch (kind, IFNULL(ref, -1));
    CREATE TABLE noc_silence (
      id INTEGER PRIMARY KEY,
      scope TEXT NOT NULL,
      until INTEGER NOT NULL,
      reason TEXT,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE noc_track (
      key TEXT PRIMARY KEY,
      state TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    );
    CREATE TABLE noc_incident (
      id INTEGER PRIMARY KEY,
      scope TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('open', 'acked', 'resolved')),
      opened_at INTEGER NOT NULL,
      resolved_at INTEGER,
      body TEXT NOT NULL
    );
    -- One outage, one incident: never a second open incident for the same scope.
    CREATE UNIQUE INDEX noc_incident_one_open ON noc_incident (scope) WHERE state <> 'resolved';
    CREATE TABLE noc_outbox (
      id INTEGER PRIMARY KEY,
      incident_id INTEGER,
      event TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      sent_at INTEGER,
      attempts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT
    );
    CREATE INDEX noc_outbox_pending ON noc_outbox (id) WHERE sent_at IS NULL;
    CREATE TABLE noc_meta (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
  `,
};

const SQL = {
  watches: 'SELECT * FROM noc_watch ORDER BY id',
  watchByTarget: 'SELECT * FROM noc_watch WHERE kind = ? AND IFNULL(ref, -1) = IFNULL(?, -1)',
  insertWatch: 'INSERT INTO noc_watch (kind, ref, interval_ms, channel, created_at) VALUES (?, ?, ?, ?, ?)',
  updateWatch: 'UPDATE noc_watch SET interval_ms = ?, channel = ? WHERE id = ?',
  deleteWatch: 'DELETE FROM noc_watch WHERE kind = ? AND IFNULL(ref, -1) = IFNULL(?, -1)',
  silences: 'SELECT scope, until, reason, created_at FROM noc_silence WHERE until > ? ORDER BY until',
  insertSilence: 'INSERT INTO noc_silence (scope, until, reason, created_at) VALUES (?, ?, ?, ?)',
  pruneSilences: 'DELETE FROM noc_silence WHERE until <= ?',
  removeSilences: 'DELETE FROM noc_silence WHERE scope = ? AND until > ?',
  tracks: 'SELECT key, state FROM noc_track',
  upsertTrack: 'INSERT INTO noc_track (key, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at',
  openIncidents: "SELECT body FROM noc_incident WHERE state <> 'resolved' ORDER BY id DESC LIMIT ?",
  recentIncidents: 'SELECT body FROM noc_incident ORDER BY id DESC LIMIT ?',
  maxIncident: 'SELECT IFNULL(MAX(id), 0) AS n FROM noc_incident',
  upsertIncident:
    'INSERT INTO noc_incident (id, scope, state, opened_at, resolved_at, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state, resolved_at = excluded.resolved_at, body = excluded.body',
  insertOutbox: 'INSERT INTO noc_outbox (incident_id, event, created_at) VALUES (?, ?, ?)',
  pending: 'SELECT id, event, attempts FROM noc_outbox WHERE sent_at IS NULL ORDER BY id LIMIT ?',
  markSent: 'UPDATE noc_outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?',
  pruneSent: 'DELETE FROM noc_outbox WHERE sent_at IS NOT NULL AND sent_at < ?',
  markFailed: 'UPDATE noc_outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?',
  setMeta: 'INSERT INTO noc_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  getMeta: 'SELECT value FROM noc_meta WHERE key = ?',
  eventsAfter: 'SELECT id, event FROM noc_outbox WHERE id > ? ORDER BY id LIMIT ?',
};

/** The NOC store on the process's one connection; incidents, events and trackers are kept whole (JSON). */
export function createSqliteNocStore<R extends NocRecords = NocRecords>(sql: Sql): NocStore<R> {
  const q = (text: string) => sql.st(text);

  const commit = (d: NocChanges<R>, now: number): number[] => {
    for (const [key, t] of d.tracks) q(SQL.upsertTrack).run(key, JSON.stringify(t), now);
    for (const i of d.incidents) q(SQL.upsertIncident).run(i.id, i.scope, i.state, i.openedAt, i.resolvedAt, JSON.stringify(i));
    return d.events.map((e) => Number(q(SQL.insertOutbox).run(e.incident ? e.incident.id : null, JSON.stringify(e), now).lastInsertRowid));
  };

  const addWatch = (e: { kind: WatchKind; ref: number | null; intervalMs: number; channel: string | null }, now: number): WatchEntry => {
    const existing = q(SQL.watchByTarget).get(e.kind, e.ref) as WatchRow | undefined;
    if (existing) {
      q(SQL.updateWatch).run(e.intervalMs, e.channel, existing.id);
      return { ...toWatch(existing), intervalMs: e.intervalMs, channel: e.channel };
    }
    const id = Number(q(SQL.insertWatch).run(e.kind, e.ref, e.intervalMs, e.channel, now).lastInsertRowid);
    return { id, kind: e.kind, ref: e.ref, intervalMs: e.intervalMs, channel: e.channel, createdAt: now };
  };

  const incidents = (text: string, limit: number): R['incident'][] => (q(text).all(limit) as { body: string }[]).map((r) => JSON.parse(r.body) as R['incident']);

  return {
    async listWatches() {
      return (q(SQL.watches).all() as WatchRow[]).map(toWatch);
    },
    async addWatch(e, now) {
      return sql.write(() => sql.tx(addWatch)(e, now));
    },
    async removeWatch(kind, ref) {
      return sql.write(() => q(SQL.deleteWatch).run(kind, ref).changes > 0);
    },
    async silences(now) {
      sql.write(() => q(SQL.pruneSilences).run(now));
      return (q(SQL.silences).all(now) as { scope: string; until: number; reason: string | null; created_at: number }[]).map(
        (r) => ({ scope: r.scope, until: r.until, reason: r.reason, createdAt: r.created_at }) as R['silence'],
      );
    },
    async removeSilences(scope, now) {
      return sql.write(() => q(SQL.removeSilences).run(scope, now).changes);
    },
    async addSilence(s) {
      sql.write(() => q(SQL.insertSilence).run(s.scope, s.until, s.reason, s.createdAt));
    },
    async loadEngine(): Promise<NocSnapshot<R>> {
      const tracks = new Map<string, R['track']>();
      for (const r of q(SQL.tracks).all() as { key: string; state: string }[]) tracks.set(r.key, JSON.parse(r.state) as R['track']);
      const { n } = q(SQL.maxIncident).get() as { n: number };
      return { tracks, incidents: incidents(SQL.openIncidents, 10_000), nextIncidentId: n + 1 };
    },
    async commit(d, now) {
      return sql.write(() => sql.tx(commit)(d, now));
    },
    async pendingOutbox(limit): Promise<OutboxItem<R['event']>[]> {
      return (q(SQL.pending).all(limit) as { id: number; event: string; attempts: number }[]).map((r) => ({
        id: r.id,
        event: JSON.parse(r.event) as R['event'],
        attempts: r.attempts,
      }));
    },
    async markSent(id, now) {
      sql.write(() => {
        q(SQL.markSent).run(now, id);
        // Sent notifications are kept a week (for a look at what went out), then forgotten.
        if (id % 100 === 0) q(SQL.pruneSent).run(now - 7 * 86_400_000);
      });
    },
    async markFailed(id, error) {
      sql.write(() => q(SQL.markFailed).run(error.slice(0, 500), id));
    },
    async incidents({ openOnly, limit }) {
      return incidents(openOnly ? SQL.openIncidents : SQL.recentIncidents, limit);
    },
    async eventsAfter(afterId, limit) {
      return (q(SQL.eventsAfter).all(afterId, limit) as { id: number; event: string }[]).map((r) => ({ id: r.id, event: JSON.parse(r.event) as R['event'] }));
    },
    async setMeta(key, value) {
      sql.write(() => q(SQL.setMeta).run(key, JSON.stringify(value)));
    },
    async getMeta(key) {
      const row = q(SQL.getMeta).get(key) as { value: string } | undefined;
      return row ? (JSON.parse(row.value) as unknown) : null;
    },
  };
}
