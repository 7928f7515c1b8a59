import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite from 'better-sqlite3';
import type { Database } from '../../src/store/ports.js';
import { CARD_TRUST_MS } from '../../src/store/ports.js';
import { openSqliteDatabase } from '../../src/store/sqlite/open.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { describeStoreContract, type StoreUnderTest } from './contract.js';

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
