/**
 * The SQLite implementation of CheckStore. One row per check; a row is written when the check
 * starts, when its task id becomes known, when it ends, and around the notification: never per
 * poll. A write that fails because the disk is full (or the file became unwritable) moves the
 * store into memory with a loud error, so checks keep working and the running ones are kept.
 */
import type { DoneState } from '../core/check-state.js';
import type { ClientRecord } from '../core/client.js';
import type { Verdict } from '../core/verdict.js';
import type { Logger } from '../util/logger.js';
import { openDatabase, type Db } from './database.js';
import { MIGRATIONS } from './migrations.js';
import type { CheckPatch, CheckStore, MentionState, MessageRefs, NewCheck, StoredCheck } from './types.js';

interface Row {
  id: string;
  service_id: number;
  packets: number;
  task_id: string | null;
  requester: string;
  requester_name: string | null;
  surface: string;
  channel: string;
  thread: string | null;
  messages: string;
  locale: string;
  client: string | null;
  state: string;
  verdict: string | null;
  final: string | null;
  loss_pct: number | null;
  rtt_ms: number | null;
  started_at: number;
  deadline_at: number;
  updated_at: number;
  finished_at: number | null;
  mention: string;
  delivered: number;
}

const COLUMNS = [
  'id', 'service_id', 'packets', 'task_id', 'requester', 'requester_name', 'surface', 'channel', 'thread', 'messages', 'locale',
  'client', 'state', 'verdict', 'final', 'loss_pct', 'rtt_ms', 'started_at', 'deadline_at', 'updated_at', 'finished_at', 'mention', 'delivered',
] as const;

/** SQLite result codes meaning "this file cannot take writes any more" (full disk, I/O error, read-only). */
const DEGRADING = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB)/;

function parseJson<T>(text: string | null): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

function fromRow(r: Row): StoredCheck {
  return {
    id: r.id,
    serviceId: r.service_id,
    packets: r.packets,
    taskId: r.task_id,
    requester: r.requester,
    requesterName: r.requester_name,
    surface: r.surface,
    place: { channel: r.channel, thread: r.thread },
    messages: parseJson<MessageRefs>(r.messages) ?? {},
    locale: r.locale === 'en' ? 'en' : 'es',
    client: parseJson<ClientRecord>(r.client),
    state: r.state,
    verdict: r.verdict as Verdict | null,
    final: parseJson<DoneState>(r.final),
    lossPct: r.loss_pct,
    rttMs: r.rtt_ms,
    startedAt: r.started_at,
    deadlineAt: r.deadline_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    mention: r.mention as MentionState,
    delivered: r.delivered === 1,
  };
}

function toRow(c: StoredCheck): Row {
  return {
    id: c.id,
    service_id: c.serviceId,
    packets: c.packets,
    task_id: c.taskId,
    requester: c.requester,
    requester_name: c.requesterName,
    surface: c.surface,
    channel: c.place.channel,
    thread: c.place.thread,
    messages: JSON.stringify(c.messages),
    locale: c.locale,
    client: c.client ? JSON.stringify(c.client) : null,
    state: c.state,
    verdict: c.verdict,
    final: c.final ? JSON.stringify(c.final) : null,
    loss_pct: c.lossPct,
    rtt_ms: c.rttMs,
    started_at: c.startedAt,
    deadline_at: c.deadlineAt,
    updated_at: c.updatedAt,
    finished_at: c.finishedAt,
    mention: c.mention,
    delivered: c.delivered ? 1 : 0,
  };
}

/** Prepared statements of one database handle. */
function statements(db: Db) {
  return {
    insert: db.prepare(`INSERT INTO checks (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`),
    get: db.prepare('SELECT * FROM checks WHERE id = ?'),
    unfinished: db.prepare('SELECT * FROM checks WHERE delivered = 0 AND surface = ? ORDER BY started_at'),
    allOpen: db.prepare('SELECT * FROM checks WHERE delivered = 0'),
    history: db.prepare('SELECT * FROM checks WHERE service_id = ? ORDER BY started_at DESC LIMIT ?'),
    lastVerdict: db.prepare(
      "SELECT * FROM checks WHERE service_id = ? AND finished_at IS NOT NULL AND verdict IS NOT NULL AND verdict <> 'cancelled' ORDER BY finished_at DESC LIMIT 1",
    ),
    recent: db.prepare(
      "SELECT final FROM checks WHERE service_id = ? AND packets = ? AND finished_at >= ? AND json_extract(final, '$.reason.kind') = 'verdict' AND json_extract(final, '$.cached') = 0 ORDER BY finished_at DESC LIMIT 1",
    ),
    since: db.prepare('SELECT * FROM checks WHERE started_at >= ? ORDER BY started_at LIMIT ?'),
    prune: db.prepare('DELETE FROM checks WHERE started_at < ? AND delivered = 1'),
  };
}

/** Opens the SQLite store at `path` (`:memory:` for tests). Throws StoreOpenError naming PINGOPS_DB. */
export function openCheckStore(path: string, logger: Logger): CheckStore {
  return createSqliteCheckStore(openDatabase(path, MIGRATIONS, logger), logger);
}

/** A CheckStore on an open, migrated database handle. */
export function createSqliteCheckStore(initial: Db, logger: Logger): CheckStore {
  const log = logger.child({ component: 'store' });
  let db = initial;
  let st = statements(db);
  let degraded = false;
  // better-sqlite3 does not cache statements; an update has only a few shapes, so keep them.
  let updates = new Map<string, ReturnType<Db['prepare']>>();
  const updateStatement = (sql: string) => {
    let s = updates.get(sql);
    if (!s) updates.set(sql, (s = db.prepare(sql)));
    return s;
  };

  /** Moves every open check into a fresh in-memory database and continues there. */
  const degrade = (err: unknown): void => {
    const open = (() => {
      try {
        return (st.allOpen.all() as Row[]).map(fromRow);
      } catch {
        return [];
      }
    })();
    const memory = openDatabase(':memory:', MIGRATIONS, log);
    const mst = statements(memory);
    for (const c of open) mst.insert.run(toRow(c));
    try {
      db.close();
    } catch {
      // The old handle may be beyond closing cleanly; it is not used again.
    }
    db = memory;
    st = mst;
    updates = new Map();
    degraded = true;
    log.error(
      { err: err instanceof Error ? err.message : String(err), kept: open.length },
      'STORE DEGRADED: the database file (PINGOPS_DB) cannot take writes (disk full or unwritable); continuing IN MEMORY. Checks keep working, but history and restarts will not survive this process. Free space and restart.',
    );
  };

  /** Runs a write; on a full or broken disk, degrades once and runs it again in memory. */
  const write = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (degraded || typeof code !== 'string' || !DEGRADING.test(code)) throw err;
      degrade(err);
      return fn();
    }
  };

  return {
    get degraded() {
      return degraded;
    },
    insert(check: NewCheck, now: number) {
      const full: StoredCheck = {
        ...check,
        taskId: null,
        state: 'starting',
        verdict: null,
        final: null,
        lossPct: null,
        rttMs: null,
        updatedAt: now,
        finishedAt: null,
        mention: 'none',
        delivered: false,
      };
      write(() => st.insert.run(toRow(full)));
    },
    update(id: string, patch: CheckPatch, now: number) {
      const sets: string[] = ['updated_at = @updated_at'];
      const values: Record<string, unknown> = { id, updated_at: now };
      if (patch.taskId !== undefined) {
        sets.push('task_id = @task_id');
        values.task_id = patch.taskId;
      }
      if (patch.state !== undefined) {
        sets.push('state = @state');
        values.state = patch.state;
      }
      if (patch.messages !== undefined) {
        sets.push('messages = @messages');
        values.messages = JSON.stringify(patch.messages);
      }
      if (patch.thread !== undefined) {
        sets.push('thread = @thread');
        values.thread = patch.thread;
      }
      if (patch.final !== undefined) {
        const f = patch.final;
        sets.push('state = @state', 'final = @final', 'verdict = @verdict', 'loss_pct = @loss_pct', 'rtt_ms = @rtt_ms', 'finished_at = @finished_at');
        Object.assign(values, { state: 'done', final: JSON.stringify(f), verdict: f.verdict, loss_pct: f.lossPct, rtt_ms: f.rttMs, finished_at: now });
        if (f.taskId !== null && patch.taskId === undefined) {
          sets.push('task_id = @task_id');
          values.task_id = f.taskId;
        }
      }
      if (patch.mention !== undefined) {
        sets.push('mention = @mention');
        values.mention = patch.mention;
      }
      if (patch.delivered !== undefined) {
        sets.push('delivered = @delivered');
        values.delivered = patch.delivered ? 1 : 0;
      }
      // Statements differ by the fields given; SQLite caches the few shapes there are.
      const sql = `UPDATE checks SET ${[...new Set(sets)].join(', ')} WHERE id = @id`;
      write(() => updateStatement(sql).run(values));
    },
    get(id) {
      const r = st.get.get(id) as Row | undefined;
      return r ? fromRow(r) : null;
    },
    unfinished(surface) {
      return (st.unfinished.all(surface) as Row[]).map(fromRow);
    },
    history(serviceId, limit) {
      return (st.history.all(serviceId, limit) as Row[]).map(fromRow);
    },
    lastVerdict(serviceId) {
      const r = st.lastVerdict.get(serviceId) as Row | undefined;
      return r ? fromRow(r) : null;
    },
    recentVerdict(serviceId, packets, maxAgeMs, now) {
      const r = st.recent.get(serviceId, packets, now - maxAgeMs) as { final: string } | undefined;
      return r ? parseJson<DoneState>(r.final) : null;
    },
    since(since, limit) {
      return (st.since.all(since, limit) as Row[]).map(fromRow);
    },
    prune(before) {
      return write(() => st.prune.run(before).changes);
    },
    close() {
      db.close();
    },
  };
}
