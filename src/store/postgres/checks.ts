/**
 * Checks on PostgreSQL: the same rows and questions as the SQLite store. Writes go through the
 * link, so while the server is away they wait in memory in order, and the check they belong to
 * is answered from memory (`open`); reads that need the server (history, audit) fail loudly.
 */
import type { CheckPatch, CheckStore, NewCheck, StoredCheck } from '../ports.js';
import { fromReplicaRow, fromRow, REPLICA_FORGET_MS, type CheckRow as Row, type ReplicaRow } from '../rows.js';
import type { Link } from './link.js';

/** A patch applied to a check in memory, field for field as the UPDATE below writes it. */
export function applyPatch(c: StoredCheck, patch: CheckPatch, now: number): StoredCheck {
  const next: StoredCheck = { ...c, updatedAt: now };
  if (patch.taskId !== undefined) next.taskId = patch.taskId;
  if (patch.state !== undefined) next.state = patch.state;
  if (patch.messages !== undefined) next.messages = patch.messages;
  if (patch.thread !== undefined) next.place = { ...next.place, thread: patch.thread };
  if (patch.final !== undefined) {
    const f = patch.final;
    Object.assign(next, { state: 'done', final: f, verdict: f.verdict, lossPct: f.lossPct, rttMs: f.rttMs, finishedAt: now });
    if (f.taskId !== null && patch.taskId === undefined) next.taskId = f.taskId;
  }
  if (patch.mention !== undefined) next.mention = patch.mention;
  if (patch.delivered !== undefined) next.delivered = patch.delivered;
  if (patch.clock !== undefined) Object.assign(next, patch.clock);
  return next;
}

/** The UPDATE of one patch: numbered parameters for the fields given. */
function updateOf(id: string, patch: CheckPatch, now: number): { sql: string; values: unknown[] } {
  const sets = new Map<string, unknown>([['updated_at', now]]);
  if (patch.taskId !== undefined) sets.set('task_id', patch.taskId);
  if (patch.state !== undefined) sets.set('state', patch.state);
  if (patch.messages !== undefined) sets.set('messages', JSON.stringify(patch.messages));
  if (patch.thread !== undefined) sets.set('thread', patch.thread);
  if (patch.final !== undefined) {
    const f = patch.final;
    sets.set('state', 'done').set('final', JSON.stringify(f)).set('verdict', f.verdict).set('loss_pct', f.lossPct).set('rtt_ms', f.rttMs).set('finished_at', now);
    if (f.taskId !== null && patch.taskId === undefined) sets.set('task_id', f.taskId);
  }
  if (patch.mention !== undefined) sets.set('mention', patch.mention);
  if (patch.delivered !== undefined) sets.set('delivered', patch.delivered);
  if (patch.clock !== undefined) sets.set('started_at', patch.clock.startedAt).set('deadline_at', patch.clock.deadlineAt);
  const names = [...sets.keys()];
  return { sql: `UPDATE checks SET ${names.map((n, i) => `${n} = $${i + 2}`).join(', ')} WHERE id = $1`, values: [id, ...sets.values()] };
}

const INSERT = `INSERT INTO checks (id, service_id, packets, task_id, requester, requester_name, surface, channel, thread, messages, locale, client,
  state, verdict, final, loss_pct, rtt_ms, started_at, deadline_at, updated_at, finished_at, mention, delivered, owner)
  VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8, $9, $10, $11, 'starting', NULL, NULL, NULL, NULL, $12, $13, $14, NULL, 'none', false, $15)
  ON CONFLICT (id) DO NOTHING`;

export function createPgCheckStore(link: Link): CheckStore {
  /** Checks this process writes and has not seen delivered on the server: the answer while it is away. */
  const open = new Map<string, StoredCheck>();
  /**
   * Other replicas' unfinished checks from the last adoption pass: one becomes this process's
   * (`open`) only when `adopt` wins it. Kept apart so that checks other replicas finish are not
   * remembered here for ever, nor answered from memory as still running while the server is away.
   */
  let candidates = new Map<string, StoredCheck>();
  const rows = async (sql: string, values: unknown[]) => (await link.read((q) => q<Row>(sql, values))).rows.map(fromRow);

  return {
    async insert(check: NewCheck, now: number) {
      open.set(check.id, { ...check, taskId: null, state: 'starting', verdict: null, final: null, lossPct: null, rttMs: null, updatedAt: now, finishedAt: null, mention: 'none', delivered: false });
      const values = [check.id, check.serviceId, check.packets, check.requester, check.requesterName, check.surface, check.place.channel, check.place.thread, JSON.stringify(check.messages), check.locale, check.client ? JSON.stringify(check.client) : null, check.startedAt, check.deadlineAt, now, check.owner ?? null];
      await link.write({ key: check.id, run: async (q) => void (await q(INSERT, values)) });
    },
    async update(id: string, patch: CheckPatch, now: number) {
      const mine = open.get(id);
      if (mine) open.set(id, applyPatch(mine, patch, now));
      const { sql, values } = updateOf(id, patch, now);
      await link.write({
        key: id,
        run: async (q) => void (await q(sql, values)),
        done: () => {
          if (patch.delivered === true) open.delete(id);
        },
      });
    },
    async get(id) {
      const mine = open.get(id);
      // Memory is newer than the server while writes are under way, or while the server is away.
      if (mine && (link.pending(id) || !link.reachable)) return mine;
      try {
        const [r] = await rows('SELECT * FROM checks WHERE id = $1', [id]);
        return r ?? null;
      } catch (err) {
        if (mine) return mine;
        throw err;
      }
    },
    async unfinished(surface, notOwnedBy) {
      const found = await rows('SELECT * FROM checks WHERE NOT delivered AND surface = $1 AND ($2::text IS NULL OR owner IS DISTINCT FROM $2) ORDER BY started_at', [surface, notOwnedBy ?? null]);
      // Without `notOwnedBy` the caller (one process on the store) takes every one of them.
      if (notOwnedBy === undefined) for (const c of found) open.set(c.id, c);
      else candidates = new Map(found.map((c) => [c.id, c]));
      return found;
    },
    async awaitingFinals(surface, owner, limit) {
      const found = await rows(
        'SELECT * FROM checks WHERE NOT delivered AND surface = $1 AND final IS NOT NULL AND owner IS NOT DISTINCT FROM $2 ORDER BY finished_at, id LIMIT $3',
        [surface, owner, limit],
      ).catch((err: unknown) => {
        // While the server is away this process's own checks are all in memory: answer from there.
        if (link.reachable) throw err;
        return [];
      });
      // This process's own writes may still be on their way to the server: memory is newer, and
      // a verdict written a moment ago must not be missed (nothing else would bring it back).
      const byId = new Map(found.map((c) => [c.id, c]));
      for (const c of open.values()) {
        if (c.surface === surface && c.final && !c.delivered && (c.owner ?? null) === owner) byId.set(c.id, c);
        else if (byId.has(c.id)) byId.delete(c.id);
      }
      const byVerdict = (a: StoredCheck, b: StoredCheck) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
      return [...byId.values()].sort(byVerdict).slice(0, limit);
    },
    async history(serviceId, limit) {
      return rows('SELECT * FROM checks WHERE service_id = $1 ORDER BY started_at DESC LIMIT $2', [serviceId, limit]);
    },
    async lastVerdict(serviceId, before = Number.MAX_SAFE_INTEGER) {
      const [r] = await rows(
        "SELECT * FROM checks WHERE service_id = $1 AND finished_at IS NOT NULL AND finished_at < $2 AND verdict IS NOT NULL AND verdict <> 'cancelled' ORDER BY finished_at DESC LIMIT 1",
        [serviceId, before],
      );
      return r ?? null;
    },
    async since(since, limit) {
      return rows('SELECT * FROM checks WHERE started_at >= $1 ORDER BY started_at LIMIT $2', [since, limit]);
    },
    async prune(before) {
      const r = await link.read((q) => q('DELETE FROM checks WHERE started_at < $1 AND delivered', [before]));
      return r.rowCount ?? 0;
    },
    async heartbeat(r, now) {
      // Not a held write: a beat that cannot land now is worth nothing later.
      await link.read(async (q) => {
        await q('INSERT INTO replicas (id, pid, host, beat_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at', [r.id, r.pid, r.host, now]);
        await q('DELETE FROM replicas WHERE beat_at < $1', [now - REPLICA_FORGET_MS]);
      });
    },
    async replicas() {
      const r = await link.read((q) => q<ReplicaRow>('SELECT * FROM replicas'));
      return r.rows.map(fromReplicaRow);
    },
    async farewell(id) {
      // Not a held write either: if the server is away, the others wait out the TTL.
      await link.read((q) => q('DELETE FROM replicas WHERE id = $1', [id]));
    },
    async adopt(id, expected, owner, now) {
      const r = await link.read((q) => q('UPDATE checks SET owner = $3, updated_at = $4 WHERE id = $1 AND owner IS NOT DISTINCT FROM $2 AND NOT delivered', [id, expected, owner, now]));
      const won = r.rowCount === 1;
      const seen = candidates.get(id);
      if (won && seen) open.set(id, { ...seen, owner, updatedAt: now });
      return won;
    },
  };
}
