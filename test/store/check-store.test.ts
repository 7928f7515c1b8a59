import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DoneState } from '../../src/core/check-state.js';
import { openDatabase } from '../../src/store/database.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { createSqliteCheckStore, openCheckStore } from '../../src/store/sqlite-check-store.js';
import type { NewCheck } from '../../src/store/types.js';
import { captureLogs } from '../support/log-capture.js';

const T0 = 1_760_000_000_000;
const check = (id: string, over: Partial<NewCheck> = {}): NewCheck => ({
  id,
  serviceId: 1001,
  packets: 4,
  requester: 'U1',
  requesterName: 'ana',
  surface: 'slack',
  place: { channel: 'C1', thread: null },
  messages: {},
  locale: 'en',
  client: null,
  startedAt: T0,
  deadlineAt: T0 + 60_000,
  ...over,
});
const done = (verdict: DoneState['verdict'], over: Partial<DoneState> = {}): DoneState => ({
  kind: 'done',
  serviceId: 1001,
  taskId: 'task-1',
  verdict,
  message: null,
  polls: 2,
  elapsedMs: 5000,
  reason: verdict === 'cancelled' ? { kind: 'cancelled', by: 'ana' } : { kind: 'verdict' },
  cached: false,
  lossPct: 0,
  rttMs: 12.5,
  ...over,
});

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

describe('the SQLite check store', () => {
  it('keeps a check from start to verdict, with loss and RTT, and survives reopening the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pingops-store-'));
    dirs.push(dir);
    const path = join(dir, 'p.db');
    const store = openCheckStore(path, captureLogs().logger);
    store.insert(check('a', { messages: { root: '1.1' } }), T0);
    store.update('a', { taskId: 'task-1', state: 'created', messages: { root: '1.1', status: '1.2' } }, T0 + 100);
    expect(store.unfinished('slack').map((c) => c.id)).toEqual(['a']);
    store.update('a', { final: done('stable') }, T0 + 5000);
    store.update('a', { mention: 'sent', delivered: true }, T0 + 5100);
    store.close();

    const again = openCheckStore(path, captureLogs().logger);
    const a = again.get('a');
    expect(a).toMatchObject({ taskId: 'task-1', state: 'done', verdict: 'stable', lossPct: 0, rttMs: 12.5, mention: 'sent', delivered: true, finishedAt: T0 + 5000 });
    expect(a?.messages).toEqual({ root: '1.1', status: '1.2' });
    expect(again.unfinished('slack')).toEqual([]);
    again.close();
  });

  it('answers history newest first, the last real verdict, and a recent verdict per packet count', () => {
    const store = openCheckStore(':memory:', captureLogs().logger);
    store.insert(check('old', { startedAt: T0 }), T0);
    store.update('old', { final: done('no_internet') }, T0 + 1000);
    store.insert(check('new', { startedAt: T0 + 10_000 }), T0 + 10_000);
    store.update('new', { final: done('cancelled') }, T0 + 11_000);
    store.insert(check('other', { serviceId: 1002, startedAt: T0 + 5000 }), T0 + 5000);
    expect(store.history(1001, 10).map((c) => c.id)).toEqual(['new', 'old']);
    expect(store.lastVerdict(1001)?.id).toBe('old'); // a cancelled check says nothing about the line
    expect(store.recentVerdict(1001, 4, 30_000, T0 + 20_000)?.verdict).toBe('no_internet');
    expect(store.recentVerdict(1001, 8, 30_000, T0 + 20_000)).toBeNull();
    expect(store.recentVerdict(1001, 4, 5_000, T0 + 20_000)).toBeNull();
    expect(store.since(T0 + 1, 100).map((c) => c.id)).toEqual(['other', 'new']);
    store.close();
  });

  it('prunes delivered checks older than the retention, never open ones', () => {
    const store = openCheckStore(':memory:', captureLogs().logger);
    store.insert(check('done-old'), T0);
    store.update('done-old', { final: done('stable'), delivered: true }, T0);
    store.insert(check('open-old'), T0);
    store.insert(check('done-new', { startedAt: T0 + 1000 }), T0 + 1000);
    store.update('done-new', { delivered: true }, T0 + 1000);
    expect(store.prune(T0 + 1)).toBe(1);
    expect(store.get('done-old')).toBeNull();
    expect(store.get('open-old')).not.toBeNull();
    store.close();
  });

  it('moves into memory with a loud error when the disk is full, keeping open checks', () => {
    const logs = captureLogs();
    const db = openDatabase(':memory:', MIGRATIONS, logs.logger);
    const store = createSqliteCheckStore(db, logs.logger);
    store.insert(check('running'), T0);
    // A database that may not grow any more answers SQLITE_FULL, as a full disk does.
    const pages = Number(db.pragma('page_count', { simple: true }));
    db.pragma(`max_page_count = ${pages}`);
    const big = { ...check('x'), client: { name: 'x'.repeat(200_000) } as unknown as NewCheck['client'] };
    expect(() => store.insert(big, T0)).not.toThrow();
    expect(store.degraded).toBe(true);
    expect(store.get('running')?.id).toBe('running');
    expect(store.get('x')?.id).toBe('x');
    const line = logs.records().find((r) => String(r.msg).startsWith('STORE DEGRADED'));
    expect(line?.level).toBe(50);
    store.update('running', { final: done('stable') }, T0 + 1);
    expect(store.get('running')?.verdict).toBe('stable');
    store.close();
  });
});
