/** Named leases on PostgreSQL: one row per name in `leases` (migration 0001). */
import type { LeaseHolder, LeaseStore } from '../ports.js';
import type { Link } from './link.js';

export function createPgLeaseStore(link: Link): LeaseStore {
  return {
    async claim(name, holder, now, ttlMs, isStale) {
      return link.transaction(async (q) => {
        // The row exists before it is locked, so two replicas claiming together queue on it
        // (FOR UPDATE) instead of both reading "free" and both writing themselves in.
        await q("INSERT INTO leases (name, holder_id, holder, until) VALUES ($1, '', 'null', 0) ON CONFLICT (name) DO NOTHING", [name]);
        const cur = await q<{ holder: string; until: number }>('SELECT holder, until FROM leases WHERE name = $1 FOR UPDATE', [name]);
        const row = cur.rows[0];
        const current = row ? (JSON.parse(row.holder) as LeaseHolder | null) : null;
        if (row && current && current.id !== holder.id && row.until > now && !isStale(current)) {
          return { ok: false as const, holder: { id: current.id, pid: current.pid, host: current.host } };
        }
        const written: LeaseHolder = { id: holder.id, pid: holder.pid, host: holder.host };
        await q('UPDATE leases SET holder_id = $1, holder = $2, until = $3 WHERE name = $4', [holder.id, JSON.stringify(written), now + ttlMs, name]);
        return { ok: true as const };
      });
    },
    async release(name, holder) {
      await link.read((q) => q("UPDATE leases SET holder_id = '', holder = 'null', until = 0 WHERE name = $1 AND holder_id = $2", [name, holder.id]));
    },
    async holder(name, now) {
      const r = await link.read((q) => q<{ holder: string; until: number }>('SELECT holder, until FROM leases WHERE name = $1', [name]));
      const row = r.rows[0];
      const current = row ? (JSON.parse(row.holder) as LeaseHolder | null) : null;
      return row && current && row.until > now ? { id: current.id, pid: current.pid, host: current.host } : null;
    },
  };
}
