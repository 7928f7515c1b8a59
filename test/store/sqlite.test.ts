import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite from 'better-sqlite3';
import type { Database } from '../../src/store/ports.js';
import { CARD_TRUST_MS } from '../../src/store/ports.js';
import { openSqliteDatabase } from '../../src/store/sqlite/open.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { describe, expect, it } from 'vitest';
import { check, describeStoreContract, type StoreUnderTest } from './contract.js';

/** The embedded store on a file of its own; `exec` writes through a second connection, as another process would. */
async function openSqlite(): Promise<StoreUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'pingops-store-'));
  const path = join(dir, 'pingops.db');
  const open = (): Database => openSqliteDatabase({ path, logger: silentLogger, clock: systemClock, cardTtlMs: CARD_TRUST_MS, checkEveryMs: 0 });
  let db = open();
  return {
    get db() {
      return db;
    },
    async reopen() {
      await db.close();
      db = open();
      return db;
    },
    async exec(sql) {
      const other = new BetterSqlite(path);
      try {
        other.exec(sql);
      } finally {
        other.close();
      }
    },
    async cleanup() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeStoreContract('SQLite', openSqlite);

describe('SQLite check writes of one turn', () => {
  it('are applied together, in call order; a failing one fails alone; reads, adoption and close see what is pending', async () => {
    const s = await openSqlite();
    try {
      const checks = s.db.checks;
      await checks.insert(check('a'), 1);
      // All in one turn: a duplicate insert (a constraint failure) between good writes.
      const writes = [checks.insert(check('b'), 2), checks.insert(check('a'), 3), checks.update('b', { state: 'polling', taskId: 't-b' }, 4), checks.update('b', { mention: 'sending' }, 5)];
      const settled = await Promise.allSettled(writes);
      expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect(await checks.get('b')).toMatchObject({ state: 'polling', taskId: 't-b', mention: 'sending', updatedAt: 5 });
      expect(await checks.get('a')).toMatchObject({ updatedAt: 1 });

      // A write nobody awaited is seen by the next read, by adoption's compare-and-set, and kept by close.
      void checks.update('a', { delivered: true }, 6);
      expect(await checks.get('a')).toMatchObject({ delivered: true });
      await checks.insert(check('c'), 7);
      void checks.update('c', { delivered: true }, 8);
      expect(await checks.adopt('c', null, 'replica-2', 9)).toBe(false);
      void checks.update('b', { messages: { root: 'r1' } }, 10);
      void checks.update('b', { mention: 'sent' }, 11);
      const db = await s.reopen();
      expect(await db.checks.get('b')).toMatchObject({ mention: 'sent', messages: { root: 'r1' } });
    } finally {
      await s.cleanup();
    }
  });
});
