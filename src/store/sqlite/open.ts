import { createSqliteResultCache } from './results.js';
/**
 * The SQLite Database: every port on one connection, and the one policy for a file that fails
 * under the process.
 *
 * - A write the file cannot take (disk full, read-only, I/O error) moves the whole database into
 *   memory: the open checks, the NOC's state, outbox, message refs and intake queue are copied,
 *   every port continues there together, and `STORE DEGRADED` is logged once. Nothing after that
 *   survives this process; /readyz and /metrics say so until a restart.
 * - The file replaced or deleted under the process (its inode or device changed) is the same
 *   case: writes would go to a file no other process reads.
 * - The `-wal` file vanished (or replaced): committed writes live only in the open, unlinked
 *   WAL. They are checkpointed into the database file at once and the connection is reopened
 *   on a fresh WAL, so nothing is lost; `STORE FAULT` is logged and /readyz shows it.
 * The files are looked at every `checkEveryMs` and after any failed write.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { Database, StoreHealth, StoreRecords } from '../ports.js';
import { createSqliteCardStore } from './cards.js';
import { createSqliteCheckStore } from './checks.js';
import { isMemoryPath, openConnection, type Db } from './connection.js';
import { createSqliteDurationModelStore } from './duration-models.js';
import { createHandle, isDegrading } from './handle.js';
import { createSqliteIntakeQueue } from './intake.js';
import { createSqliteLeaseStore } from './leases.js';
import { createSqliteSignalQueue } from './signals.js';
import { createSqliteBudgetStore } from './budget.js';
import { createSqliteFlightClaims } from './flight-claims.js';
import { createSqliteHeldRequests } from './held-requests.js';
import { MIGRATIONS } from './migrations.js';
import { createSqliteNocMessageStore } from './noc-messages.js';
import { createSqliteNocStore } from './noc.js';

export interface SqliteOptions {
  /** PINGOPS_DB, or `:memory:`. */
  path: string;
  logger: Logger;
  clock: Clock;
  /** Client cards older than this are dropped. */
  cardTtlMs: number;
  /** How often the file and its WAL are looked at (default 10 s; 0: only after a failed write). */
  checkEveryMs?: number;
  /**
   * Pragmas for the file's connection after it opened, e.g. `max_page_count = N`: a file that
   * may not grow answers SQLITE_FULL as a full disk does (how the tests fill the disk).
   */
  pragmas?: readonly string[];
}


/**
 * What the degraded memory copy carries over: what someone or the NOC still waits for (open
 * checks, requests in hand, the NOC's state, outbox and message refs, the intake queue) and the
 * learned schedule.
 * The history of finished checks and the client cards are left behind (a cache, and what
 * restarts cannot lose any more anyway).
 */
const CARRIED: readonly { table: string; where?: string }[] = [
  { table: 'checks', where: 'delivered = 0' },
  { table: 'duration_models' },
  { table: 'noc_watch' },
  { table: 'noc_silence' },
  { table: 'noc_track' },
  { table: 'noc_incident' },
  { table: 'noc_outbox' },
  { table: 'noc_meta' },
  { table: 'noc_message' },
  { table: 'noc_post' },
  { table: 'noc_intake' },
  // Requests acknowledged and not yet taken up (chat/held-requests).
  { table: 'held_requests' },
  // The request budget's credit: a process moved into memory keeps spending what was left, not a fresh burst.
  { table: 'request_budget' },
];

/** `dev:ino` of a file, or null when it is not there. */
function identity(path: string): string | null {
  try {
    const s = statSync(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return null;
  }
}

/** Opens PINGOPS_DB (creating and migrating it). Throws StoreOpenError naming PINGOPS_DB. */
export function openSqliteDatabase<S extends StoreRecords = StoreRecords>(opts: SqliteOptions): Database<S> {
  const log = opts.logger.child({ component: 'store' });
  const memory = isMemoryPath(opts.path);
  const path = memory ? opts.path : resolve(opts.path);
  const open = (at: string, asFile = true): Db => {
    const db = openConnection(at, MIGRATIONS, log);
    if (asFile) for (const p of opts.pragmas ?? []) db.pragma(p);
    return db;
  };
  let health: StoreHealth = { state: 'ok' };
  let closed = false;

  const sql = createHandle(open(path), (err) => {
    // A failing write may be the first sign of a file changed under us: say which it was.
    if (checkFiles()) return true;
    return degrade(`a write failed: ${err instanceof Error ? err.message : String(err)}`);
  });
  let files = memory ? null : { db: identity(path), wal: identity(`${path}-wal`) };

  /** Moves every port into a fresh in-memory database; true when that happened now. */
  const degrade = (reason: string): boolean => {
    if (health.state === 'degraded' || closed) return false;
    const copy = open(':memory:', false);
    let kept = 0;
    for (const { table, where } of CARRIED) {
      try {
        const rows = sql.db.prepare(`SELECT * FROM ${table}${where ? ` WHERE ${where}` : ''}`).all() as Record<string, unknown>[];
        const first = rows[0];
        if (!first) continue;
        const columns = Object.keys(first);
        const insert = copy.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`);
        copy.transaction(() => {
          for (const r of rows) insert.run(r);
        })();
        if (table === 'checks') kept = rows.length;
      } catch (err) {
        log.error({ table, err: err instanceof Error ? err.message : String(err) }, 'STORE DEGRADED: a table could not be carried into memory');
      }
    }
    try {
      sql.db.close();
    } catch {
      // The old handle may be beyond closing cleanly; it is not used again.
    }
    sql.swap(copy);
    files = null;
    health = { state: 'degraded', since: opts.clock.now(), reason };
    log.error(
      { reason, kept, path },
      'STORE DEGRADED: the database file (PINGOPS_DB) cannot be trusted with writes; every store continues IN MEMORY. Checks keep working, but history and restarts will not survive this process. Fix the file (free space, permissions) and restart.',
    );
    return true;
  };

  /**
   * Compares the file and its WAL with the ones opened. True when the connection changed
   * (reopened or moved into memory), so a failed write may run again.
   */
  const checkFiles = (): boolean => {
    if (!files || closed) return false;
    const now = { db: identity(path), wal: identity(`${path}-wal`) };
    if (now.db !== files.db) {
      return degrade(`the database file ${now.db === null ? 'was deleted' : 'was replaced'} under the running process (${path})`);
    }
    if (now.wal === files.wal) return false;
    const what = now.wal === null ? 'vanished' : 'was replaced';
    try {
      // The writes committed since the last checkpoint are in the open (unlinked) WAL: copy them
      // into the database file now, then start over on a fresh WAL.
      sql.db.pragma('wal_checkpoint(TRUNCATE)');
      sql.db.close();
      sql.swap(open(path));
      files = { db: identity(path), wal: identity(`${path}-wal`) };
      health = { state: 'ok', lastFault: { at: opts.clock.now(), reason: `the WAL file ${what}; its writes were saved into the database file` } };
      log.error({ path, wal: `${path}-wal` }, `STORE FAULT: the WAL file (${path}-wal) ${what} under the running process; its writes were saved into the database file and the store reopened. Find what deletes files beside PINGOPS_DB.`);
      return true;
    } catch (err) {
      return degrade(`the WAL file ${what} and could not be saved: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const stopChecks = new AbortController();
  const every = opts.checkEveryMs ?? 10_000;
  if (files && every > 0) {
    void (async () => {
      for (;;) {
        try {
          await opts.clock.sleep(every, stopChecks.signal);
        } catch {
          return;
        }
        checkFiles();
      }
    })();
  }

  return {
    checks: createSqliteCheckStore(sql),
    cards: createSqliteCardStore(sql, opts.cardTtlMs),
    results: createSqliteResultCache(sql),
    durationModels: createSqliteDurationModelStore(sql),
    noc: createSqliteNocStore<S['noc']>(sql),
    nocMessages: createSqliteNocMessageStore(sql),
    intake: createSqliteIntakeQueue<S['alert']>(sql),
    signals: createSqliteSignalQueue(sql),
    held: createSqliteHeldRequests(sql),
    leases: createSqliteLeaseStore(sql),
    budget: createSqliteBudgetStore(sql),
    flights: createSqliteFlightClaims(sql),
    kind: 'sqlite',
    health: () => health,
    get degraded() {
      return health.state === 'degraded';
    },
    async close() {
      if (closed) return;
      closed = true;
      stopChecks.abort();
      // The writes of this turn are applied at its end: apply them now, the connection is going.
      // A write that fails here rejects its own caller's promise; the others are kept.
      try {
        sql.flush();
      } catch (err) {
        log.error({ err: err instanceof Error ? err.message : String(err) }, 'queued writes could not be applied before closing the store');
      }
      sql.db.close();
    },
  };
}

export { isDegrading };
