/**
 * The NOC's tables in SQLite (migration `0002-noc`). Trackers and incident members are JSON:
 * they are read and written whole, by one process, and never queried inside.
 */
import type { Drained, EngineSnapshot, Track } from '../noc/engine.js';
import type { LeaseHolder, NocStore, OutboxItem } from '../noc/store.js';
import type { Incident, NocEvent, ScopeKey, Silence, WatchEntry, WatchKind } from '../noc/types.js';
import type { Db, Migration } from './database.js';

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

interface WatchRow {
  id: number;
  kind: WatchKind;
  ref: number | null;
  interval_ms: number;
  channel: string | null;
  created_at: number;
}

const toWatch = (r: WatchRow): WatchEntry => ({ id: r.id, kind: r.kind, ref: r.ref, intervalMs: r.interval_ms, channel: r.channel, createdAt: r.created_at });

/** The NOC store on an open database (see openDatabase). */
export function createSqliteNocStore(db: Db): NocStore {
  const q = {
    watches: db.prepare('SELECT * FROM noc_watch ORDER BY id'),
    watchByTarget: db.prepare('SELECT * FROM noc_watch WHERE kind = ? AND IFNULL(ref, -1) = IFNULL(?, -1)'),
    insertWatch: db.prepare('INSERT INTO noc_watch (kind, ref, interval_ms, channel, created_at) VALUES (?, ?, ?, ?, ?)'),
    updateWatch: db.prepare('UPDATE noc_watch SET interval_ms = ?, channel = ? WHERE id = ?'),
    deleteWatch: db.prepare('DELETE FROM noc_watch WHERE kind = ? AND IFNULL(ref, -1) = IFNULL(?, -1)'),
    silences: db.prepare('SELECT scope, until, reason, created_at FROM noc_silence WHERE until > ? ORDER BY until'),
    insertSilence: db.prepare('INSERT INTO noc_silence (scope, until, reason, created_at) VALUES (?, ?, ?, ?)'),
    pruneSilences: db.prepare('DELETE FROM noc_silence WHERE until <= ?'),
    removeSilences: db.prepare('DELETE FROM noc_silence WHERE scope = ? AND until > ?'),
    tracks: db.prepare('SELECT key, state FROM noc_track'),
    upsertTrack: db.prepare('INSERT INTO noc_track (key, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at'),
    openIncidents: db.prepare("SELECT body FROM noc_incident WHERE state <> 'resolved' ORDER BY id DESC LIMIT ?"),
    recentIncidents: db.prepare('SELECT body FROM noc_incident ORDER BY id DESC LIMIT ?'),
    maxIncident: db.prepare('SELECT IFNULL(MAX(id), 0) AS n FROM noc_incident'),
    upsertIncident: db.prepare(
      'INSERT INTO noc_incident (id, scope, state, opened_at, resolved_at, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state, resolved_at = excluded.resolved_at, body = excluded.body',
    ),
    insertOutbox: db.prepare('INSERT INTO noc_outbox (incident_id, event, created_at) VALUES (?, ?, ?)'),
    pending: db.prepare('SELECT id, event, attempts FROM noc_outbox WHERE sent_at IS NULL ORDER BY id LIMIT ?'),
    markSent: db.prepare('UPDATE noc_outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?'),
    pruneSent: db.prepare('DELETE FROM noc_outbox WHERE sent_at IS NOT NULL AND sent_at < ?'),
    markFailed: db.prepare('UPDATE noc_outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?'),
    setMeta: db.prepare('INSERT INTO noc_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    getMeta: db.prepare('SELECT value FROM noc_meta WHERE key = ?'),
    deleteMeta: db.prepare('DELETE FROM noc_meta WHERE key = ?'),
    eventsAfter: db.prepare('SELECT id, event FROM noc_outbox WHERE id > ? ORDER BY id LIMIT ?'),
  };

  const claim = db.transaction((holder: LeaseHolder, now: number, ttlMs: number, isStale: (h: LeaseHolder) => boolean): { ok: true } | { ok: false; holder: LeaseHolder } => {
    const row = q.getMeta.get('lease') as { value: string } | undefined;
    const current = row ? (JSON.parse(row.value) as LeaseHolder & { until: number }) : null;
    if (current && current.id !== holder.id && current.until > now && !isStale(current)) {
      return { ok: false, holder: { id: current.id, pid: current.pid, host: current.host } };
    }
    q.setMeta.run('lease', JSON.stringify({ ...holder, until: now + ttlMs }));
    return { ok: true };
  });

  const commit = db.transaction((d: Drained, now: number): number[] => {
    for (const [key, t] of d.tracks) q.upsertTrack.run(key, JSON.stringify(t), now);
    for (const i of d.incidents) q.upsertIncident.run(i.id, i.scope, i.state, i.openedAt, i.resolvedAt, JSON.stringify(i));
    return d.events.map((e) => Number(q.insertOutbox.run('incident' in e ? e.incident.id : null, JSON.stringify(e), now).lastInsertRowid));
  });

  return {
    async listWatches() {
      return (q.watches.all() as WatchRow[]).map(toWatch);
    },
    async addWatch(e, now) {
      const existing = q.watchByTarget.get(e.kind, e.ref) as WatchRow | undefined;
      if (existing) {
        q.updateWatch.run(e.intervalMs, e.channel, existing.id);
        return { ...toWatch(existing), intervalMs: e.intervalMs, channel: e.channel };
      }
      const id = Number(q.insertWatch.run(e.kind, e.ref, e.intervalMs, e.channel, now).lastInsertRowid);
      return { id, kind: e.kind, ref: e.ref, intervalMs: e.intervalMs, channel: e.channel, createdAt: now };
    },
    async removeWatch(kind, ref) {
      return q.deleteWatch.run(kind, ref).changes > 0;
    },
    async silences(now) {
      q.pruneSilences.run(now);
      return (q.silences.all(now) as { scope: ScopeKey | 'all'; until: number; reason: string | null; created_at: number }[]).map((r) => ({
        scope: r.scope,
        until: r.until,
        reason: r.reason,
        createdAt: r.created_at,
      }));
    },
    async removeSilences(scope, now) {
      return q.removeSilences.run(scope, now).changes;
    },
    async addSilence(s: Silence) {
      q.insertSilence.run(s.scope, s.until, s.reason, s.createdAt);
    },
    async loadEngine(): Promise<EngineSnapshot> {
      const tracks = new Map<string, Track>();
      for (const r of q.tracks.all() as { key: string; state: string }[]) tracks.set(r.key, JSON.parse(r.state) as Track);
      const incidents = (q.openIncidents.all(10_000) as { body: string }[]).map((r) => JSON.parse(r.body) as Incident);
      const { n } = q.maxIncident.get() as { n: number };
      return { tracks, incidents, nextIncidentId: n + 1 };
    },
    async commit(d, now) {
      return commit(d, now);
    },
    async pendingOutbox(limit): Promise<OutboxItem[]> {
      return (q.pending.all(limit) as { id: number; event: string; attempts: number }[]).map((r) => ({ id: r.id, event: JSON.parse(r.event) as NocEvent, attempts: r.attempts }));
    },
    async markSent(id, now) {
      q.markSent.run(now, id);
      // Sent notifications are kept a week (for a look at what went out), then forgotten.
      if (id % 100 === 0) q.pruneSent.run(now - 7 * 86_400_000);
    },
    async markFailed(id, error) {
      q.markFailed.run(error.slice(0, 500), id);
    },
    async incidents({ openOnly, limit }) {
      return ((openOnly ? q.openIncidents : q.recentIncidents).all(limit) as { body: string }[]).map((r) => JSON.parse(r.body) as Incident);
    },
    async claimLease(holder, now, ttlMs, isStale) {
      // IMMEDIATE: two processes starting together cannot both read "free".
      return claim.immediate(holder, now, ttlMs, isStale);
    },
    async releaseLease(holder) {
      const row = q.getMeta.get('lease') as { value: string } | undefined;
      if (row && (JSON.parse(row.value) as LeaseHolder).id === holder.id) q.deleteMeta.run('lease');
    },
    async eventsAfter(afterId, limit) {
      return (q.eventsAfter.all(afterId, limit) as { id: number; event: string }[]).map((r) => ({ id: r.id, event: JSON.parse(r.event) as NocEvent }));
    },
    async setMeta(key, value) {
      q.setMeta.run(key, JSON.stringify(value));
    },
    async getMeta(key) {
      const row = q.getMeta.get(key) as { value: string } | undefined;
      return row ? (JSON.parse(row.value) as unknown) : null;
    },
  };
}
