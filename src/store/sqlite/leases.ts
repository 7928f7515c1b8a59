/**
 * Named leases on SQLite, one row each in `noc_meta` (the key-value table that has held the
 * NOC's lease since before there were others): no migration for a handful of rows. The NOC's
 * keeps its old key, `lease`, so a process of the previous release on the same file still sees
 * it during an upgrade; the others are `lease:<name>`.
 */
import type { LeaseClaim, LeaseHolder, LeaseName, LeaseStore } from '../ports.js';
import type { Sql } from './handle.js';

const SQL = {
  get: 'SELECT value FROM noc_meta WHERE key = ?',
  set: 'INSERT INTO noc_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  delete: 'DELETE FROM noc_meta WHERE key = ?',
};

type Row = LeaseHolder & { until: number };

const keyOf = (name: LeaseName): string => (name === 'noc' ? 'lease' : `lease:${name}`);
const holderOf = (r: Row): LeaseHolder => ({ id: r.id, pid: r.pid, host: r.host });

export function createSqliteLeaseStore(sql: Sql): LeaseStore {
  const read = (name: LeaseName): Row | null => {
    const row = sql.st(SQL.get).get(keyOf(name)) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as Row) : null;
  };
  const claim = (name: LeaseName, holder: LeaseHolder, now: number, ttlMs: number, isStale: (h: LeaseHolder) => boolean): LeaseClaim => {
    const current = read(name);
    if (current && current.id !== holder.id && current.until > now && !isStale(current)) return { ok: false, holder: holderOf(current) };
    sql.st(SQL.set).run(keyOf(name), JSON.stringify({ id: holder.id, pid: holder.pid, host: holder.host, until: now + ttlMs }));
    return { ok: true };
  };
  return {
    async claim(name, holder, now, ttlMs, isStale) {
      // IMMEDIATE: two processes claiming together cannot both read "free".
      return sql.write(() => sql.tx(claim).immediate(name, holder, now, ttlMs, isStale));
    },
    async release(name, holder) {
      const current = read(name);
      if (current?.id === holder.id) sql.write(() => sql.st(SQL.delete).run(keyOf(name)));
    },
    async holder(name, now) {
      const current = read(name);
      return current && current.until > now ? holderOf(current) : null;
    },
  };
}
