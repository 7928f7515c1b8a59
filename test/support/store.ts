import BetterSqlite from 'better-sqlite3';
import type { PingopsDatabase } from '../../src/app/core.js';
import { CARD_TRUST_MS } from '../../src/store/ports.js';
import { openSqliteDatabase } from '../../src/store/sqlite/open.js';
import { systemClock, type Clock } from '../../src/util/clock.js';
import { silentLogger, type Logger } from '../../src/util/logger.js';

/**
 * The store a test runs on: the real SQLite Database (`:memory:` unless a path is given), opened
 * at once so a synchronous set-up can use it. File checks run only when `checkEveryMs` is given.
 */
export function testDatabase(path = ':memory:', opts: { logger?: Logger; clock?: Clock; checkEveryMs?: number } = {}): PingopsDatabase {
  return openSqliteDatabase({ path, logger: opts.logger ?? silentLogger, clock: opts.clock ?? systemClock, cardTtlMs: CARD_TRUST_MS, checkEveryMs: opts.checkEveryMs ?? 0 });
}

/** What another process finds in the SQLite file at `path` (a read-only connection of its own). */
export function readOutside(path: string, sql: string): unknown[] {
  const other = new BetterSqlite(path, { readonly: true });
  try {
    return other.prepare(sql).all();
  } finally {
    other.close();
  }
}
