/**
 * The one way a process gets its store: `openDatabase` returns one Database carrying every port
 * (see ports.ts) on one connection (or one bounded pool). SQLite (PINGOPS_DB) is the embedded
 * default; PostgreSQL (PINGOPS_DATABASE_URL, postgres/) is the server database.
 */
import { systemClock, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { CARD_TRUST_MS, type Database, type StoreRecords } from './ports.js';
import type { PostgresSettings } from './postgres/connection.js';
import { openSqliteDatabase } from './sqlite/open.js';

export { StoreOpenError, StoreUnavailableError } from './errors.js';

export interface OpenOptions {
  /** How often the database file is looked at (SQLite; default 10 s, 0: only after a failed write). */
  checkEveryMs?: number;
}

/** Opens and migrates the store. Throws StoreOpenError (naming PINGOPS_DB or PINGOPS_DATABASE_URL) when it cannot be used. */
export async function openDatabase<S extends StoreRecords = StoreRecords>(
  config: { store: { path: string; retentionDays?: number; postgres?: PostgresSettings | null } },
  logger: Logger,
  clock: Clock = systemClock,
  opts: OpenOptions = {},
): Promise<Database<S>> {
  // PINGOPS_DATABASE_URL selects PostgreSQL; without it, the embedded SQLite file.
  const server = config.store.postgres;
  if (server) {
    // Loaded only when asked for: pg and the server store cost about 0.1 s of start-up, which
    // `pingops check` on SQLite (a monitoring system's every minute) should not pay.
    const { openPostgresDatabase } = await import('./postgres/open.js');
    return openPostgresDatabase<S>({ ...server, logger, clock, cardTtlMs: CARD_TRUST_MS });
  }
  return openSqliteDatabase<S>({ path: config.store.path, logger, clock, cardTtlMs: CARD_TRUST_MS, ...opts });
}
