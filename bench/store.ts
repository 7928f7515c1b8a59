import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/store/open.js';
import { silentLogger } from '../src/util/logger.js';
import { oneCheck } from './store-backends.js';

export interface StoreBenchRow {
  checks: number;
  writes_per_check: number;
  us_per_check_mean: number;
  us_per_check_p99: number;
  bytes_per_check: number;
  history_query_us: number;
  /** A request in hand held at its ack and released once taken up (chat/held-requests): the pair, awaited. */
  held_request_us_mean: number;
}

/**
 * What the store costs one check, on a real file in WAL mode: the writes the engine makes
 * (insert, root card, status message, task id, verdict, notification sending/sent, delivered), timed per check.
 */
export async function benchStore(n = 5000): Promise<StoreBenchRow> {
  const dir = mkdtempSync(join(tmpdir(), 'pingops-bench-store-'));
  const path = join(dir, 'pingops.db');
  const db = await openDatabase({ store: { path, retentionDays: 30 } }, silentLogger);
  const store = db.checks;
  const per: number[] = [];
  const t0 = Date.now();
  for (let i = 0; i < n; i++) {
    const id = `bench${String(i).padStart(11, '0')}`;
    const serviceId = 1000 + (i % 900);
    const start = process.hrtime.bigint();
    const now = t0 + i;
    await oneCheck(store, id, serviceId, now);
    per.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  const q0 = process.hrtime.bigint();
  for (let i = 0; i < 100; i++) await store.history(1000 + i, 10);
  const historyUs = Number(process.hrtime.bigint() - q0) / 1000 / 100;
  const body = { via: 'command', text: 'client-1001', user: 'U0123ABCD', name: 'tech', team: 'T0001', channel: 'C0NOC', thread: null };
  const h0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const key = `held${String(i).padStart(12, '0')}`;
    await db.held.hold({ key, surface: 'slack', owner: 'bench', body, receivedAt: t0 + i });
    await db.held.release(key);
  }
  const heldUs = Number(process.hrtime.bigint() - h0) / 1000 / n;
  await db.close();
  const size = statSync(path).size + (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
  rmSync(dir, { recursive: true, force: true });
  per.sort((a, b) => a - b);
  const mean = per.reduce((a, b) => a + b, 0) / per.length;
  return {
    checks: n,
    writes_per_check: 8,
    us_per_check_mean: Math.round(mean),
    us_per_check_p99: Math.round(per[Math.floor(per.length * 0.99)] ?? 0),
    bytes_per_check: Math.round(size / n),
    history_query_us: Math.round(historyUs),
    held_request_us_mean: Math.round(heldUs),
  };
}
