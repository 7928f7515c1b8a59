/**
 * The SQLite implementation of CheckStore. One row per check; a row is written when the check
 * starts, when its task id becomes known, when it ends, and around the notification: never per
 * poll. Writes go through the handle's one degrade policy (open.ts).
 */
import type { CheckPatch, CheckStore, NewCheck, StoredCheck } from '../ports.js';
import { fromReplicaRow, fromRow, REPLICA_FORGET_MS, type CheckRow as Row, type ReplicaRow } from '../rows.js';
import type { Sql } from './handle.js';

const COLUMNS = [
  'id', 'service_id', 'packets', 'task_id', 'requester', 'requester_name', 'surface', 'channel', 'thread', 'messages', 'locale',
  'client', 'state', 'verdict', 'final', 'loss_pct', 'rtt_ms', 'started_at', 'deadline_at', 'updated_at', 'finished_at', 'mention', 'delivered', 'owner',
] as const;

export function toRow(c: StoredCheck): Row {
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
    owner: c.owner ?? null,
  };
}

const SQL = {
  insert: `INSERT INTO checks (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`,
  get: 'SELECT * FROM checks WHERE id = ?',
  unfinished: 'SELECT * FROM checks WHERE delivered = 0 AND surface = ? AND (? IS NULL OR owner IS NOT ?) ORDER BY started_at',
  awaitingFinals: 'SELECT * FROM checks WHERE delivered = 0 AND surface = ? AND final IS NOT NULL AND owner IS ? ORDER BY finished_at, id LIMIT ?',
  history: 'SELECT * FROM checks WHERE service_id = ? ORDER BY started_at DESC LIMIT ?',
  lastVerdict:
    "SELECT * FROM checks WHERE service_id = ? AND finished_at IS NOT NULL AND finished_at < ? AND verdict IS NOT NULL AND verdict <> 'cancelled' ORDER BY finished_at DESC LIMIT 1",
  since: 'SELECT * FROM checks WHERE started_at >= ? ORDER BY started_at LIMIT ?',
  prune: 'DELETE FROM checks WHERE started_at < ? AND delivered = 1',
  beat: 'INSERT INTO replicas (id, pid, host, beat_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at',
  forget: 'DELETE FROM replicas WHERE beat_at < ?',
  replicas: 'SELECT * FROM replicas',
  farewell: 'DELETE FROM replicas WHERE id = ?',
  adopt: 'UPDATE checks SET owner = ?, updated_at = ? WHERE id = ? AND owner IS ? AND delivered = 0',
};

/** The statement that adds a check row (also used to carry open checks into memory). */
export const INSERT_CHECK = SQL.insert;

/**
 * A CheckStore on the process's one connection. Its writes go to the connection's write queue
 * (`sql.later`): applied with every other write of the turn in one transaction at its end, each
 * caller's promise resolving once its write is committed. With 1,000 checks running, one commit
 * per statement was the largest self time of the chat path (`npm run bench -- chat --cpu-prof`).
 * Every read and `prune` applies what is queued first, so nothing reads around a write.
 */
export function createSqliteCheckStore(sql: Sql): CheckStore {
  const later = (run: () => unknown): Promise<void> => sql.later('checks', run).then(() => undefined);
  const flush = () => sql.flush('checks');
  return {
    async insert(check: NewCheck, now: number) {
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
      const row = toRow(full);
      return later(() => sql.st(SQL.insert).run(row));
    },
    async update(id: string, patch: CheckPatch, now: number) {
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
      if (patch.clock !== undefined) {
        sets.push('started_at = @started_at', 'deadline_at = @deadline_at');
        Object.assign(values, { started_at: patch.clock.startedAt, deadline_at: patch.clock.deadlineAt });
      }
      // Statements differ by the fields given; the handle keeps the few shapes there are.
      const text = `UPDATE checks SET ${[...new Set(sets)].join(', ')} WHERE id = @id`;
      return later(() => sql.st(text).run(values));
    },
    async get(id) {
      flush();
      const r = sql.st(SQL.get).get(id) as Row | undefined;
      return r ? fromRow(r) : null;
    },
    async unfinished(surface, notOwnedBy) {
      flush();
      const other = notOwnedBy ?? null;
      return (sql.st(SQL.unfinished).all(surface, other, other) as Row[]).map(fromRow);
    },
    async awaitingFinals(surface, owner, limit) {
      flush();
      return (sql.st(SQL.awaitingFinals).all(surface, owner, limit) as Row[]).map(fromRow);
    },
    async history(serviceId, limit) {
      flush();
      return (sql.st(SQL.history).all(serviceId, limit) as Row[]).map(fromRow);
    },
    async lastVerdict(serviceId, before = Number.MAX_SAFE_INTEGER) {
      // Read as committed, without applying the queue first: the card's "last check" line may
      // miss a verdict written in this very event-loop turn, and a flush here cost a commit per
      // check opened in a burst (about 960 of 3,750 per 1,000 checks through Slack).
      const r = sql.st(SQL.lastVerdict).get(serviceId, before) as Row | undefined;
      return r ? fromRow(r) : null;
    },
    async since(since, limit) {
      flush();
      return (sql.st(SQL.since).all(since, limit) as Row[]).map(fromRow);
    },
    async prune(before) {
      flush();
      return sql.write(() => sql.st(SQL.prune).run(before).changes);
    },
    async heartbeat(r, now) {
      sql.write(() => {
        sql.st(SQL.beat).run(r.id, r.pid, r.host, now);
        sql.st(SQL.forget).run(now - REPLICA_FORGET_MS);
      });
    },
    async replicas() {
      return (sql.st(SQL.replicas).all() as ReplicaRow[]).map(fromReplicaRow);
    },
    async farewell(id) {
      sql.write(() => sql.st(SQL.farewell).run(id));
    },
    async adopt(id, expected, owner, now) {
      // Queued behind the check's pending writes, so it compares with what they leave.
      return sql.later('checks', () => sql.st(SQL.adopt).run(owner, now, id, expected).changes === 1);
    },
  };
}
