/**
 * The one way a process gets its store: `openDatabase` returns one Database carrying every port
 * (see ports.ts) on one connection (or one bounded pool). SQLite (PINGOPS_DB) is the embedded
 * default; PostgreSQL (PINGOPS_DATABASE_URL, postgres/) is the server database.
 */
import type { Config } from '../config.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { CARD_TRUST_MS, type Database, type StoreRecords } from './ports.js';
import { openPostgresDatabase } from './postgres/open.js';
import { openSqliteDatabase } from './sqlite/open.js';

export { StoreOpenError, StoreUnavailableError } from './errors.js';

export interface OpenOptions {
  /** How often the database file is looked at (SQLite; default 10 s, 0: only after a failed write). */
  checkEveryMs?: number;
}

/** Opens and migrates the store. Throws StoreOpenError (naming PINGOPS_DB or PINGOPS_DATABASE_URL) when it cannot be used. */
export async function openDatabase<S extends StoreRecords = StoreRecords>(
  config: Pick<Config, 'store'>,
  logger: Logger,
  clock: Clock = systemClock,
  opts: OpenOptions = {},
): Promise<Database<S>> {
  // PINGOPS_DATABASE_URL selects PostgreSQL; without it, the embedded SQLite file.
  const server = config.store.postgres;
  if (server) return openPostgresDatabase<S>({ ...server, logger, clock, cardTtlMs: CARD_TRUST_MS });
  return openSqliteDatabase<S>({ path: config.store.path, logger, clock, cardTtlMs: CARD_TRUST_MS, ...opts });
}
