/**
 * The PostgreSQL Database (`PINGOPS_DATABASE_URL`): every port on one bounded pool, migrated
 * under an advisory lock at open. The degrade policy for a server database: a server away at
 * start is a StoreOpenError naming the variable (no silent fallback to memory); a server lost
 * while running is reported as `degraded` by health() (so /readyz and /metrics say it) while
 * check writes wait in memory and are written when it answers again (see link.ts).
 */
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { Database, StoreHealth, StoreRecords } from '../ports.js';
import { StoreOpenError } from '../errors.js';
import { createPgBudgetStore } from './budget.js';
import { createPgFlightClaims } from './flight-claims.js';
import { createPgCheckStore } from './checks.js';
import { classifyPgError, createPool, describeDatabaseUrl, type PostgresSettings } from './connection.js';
import { createLink } from './link.js';
import { migratePostgres, SchemaTooNewError } from './migrate.js';
import { PG_MIGRATIONS } from './migrations.js';
import { createPgNocMessageStore, createPgNocStore } from './noc.js';
import { createPgLeaseStore } from './leases.js';
import { createPgCardStore, createPgResultCache, createPgDurationModelStore, createPgIntakeQueue, createPgSignalQueue, createPgHeldRequests } from './small-ports.js';

export interface PostgresOptions extends PostgresSettings {
  logger: Logger;
  clock: Clock;
  /** Client cards older than this are dropped. */
  cardTtlMs: number;
  /** Writes kept in memory at most while the server is away (default 50,000). */
  maxHeldWrites?: number;
  /** First pause before trying a lost server again (default 1 s, doubling to 15 s). */
  retryMs?: number;
}

/** Opens the pool, proves the server answers, migrates. Throws StoreOpenError naming PINGOPS_DATABASE_URL. */
export async function openPostgresDatabase<S extends StoreRecords = StoreRecords>(opts: PostgresOptions): Promise<Database<S>> {
  const where = describeDatabaseUrl(opts.url.reveal());
  const log = opts.logger.child({ component: 'store', database: where });
  const pool = createPool(opts, opts.logger);
  try {
    const applied = await migratePostgres(pool, PG_MIGRATIONS, log);
    log.info({ applied: applied.length, poolMax: opts.poolMax }, 'store opened (PostgreSQL)');
  } catch (err) {
    await pool.end().catch(() => {});
    const fault = classifyPgError(err);
    const reason = err instanceof Error ? err.message : String(err);
    if (err instanceof SchemaTooNewError) throw new StoreOpenError(`cannot use the store PINGOPS_DATABASE_URL=${where}: ${reason}`);
    const hint =
      fault === 'unreachable' || fault === 'timeout'
        ? 'Start the server, or point PINGOPS_DATABASE_URL at one that answers (unset it to use the SQLite file PINGOPS_DB).'
        : 'Check the user, password and database name in PINGOPS_DATABASE_URL, and that the user may create tables.';
    throw new StoreOpenError(`cannot open the store PINGOPS_DATABASE_URL=${where}: ${reason}. ${hint}`);
  }
  const link = createLink(pool, opts.clock, opts.logger, { maxHeld: opts.maxHeldWrites, retryMs: opts.retryMs });
  const health = (): StoreHealth => {
    const h = link.health();
    if (h.reachable) {
      if (!h.lastOutage) return { state: 'ok' };
      const reason = `the database did not answer for ${Math.round(h.lastOutage.downMs / 1000)} s; the check writes kept in memory were written${h.refusedWrites > 0 ? `, ${h.refusedWrites} refused` : ''}`;
      return { state: 'ok', lastFault: { at: h.lastOutage.at, reason } };
    }
    return {
      state: 'degraded',
      since: h.downSince ?? opts.clock.now(),
      reason: `the database (PINGOPS_DATABASE_URL=${where}) does not answer: ${h.heldWrites} check writes wait in memory${h.refusedWrites > 0 ? `, ${h.refusedWrites} refused` : ''}`,
    };
  };
  return {
    kind: 'postgres',
    checks: createPgCheckStore(link),
    cards: createPgCardStore(link, opts.cardTtlMs),
    results: createPgResultCache(link),
    durationModels: createPgDurationModelStore(link),
    noc: createPgNocStore(link) as unknown as Database<S>['noc'],
    nocMessages: createPgNocMessageStore(link),
    intake: createPgIntakeQueue(link) as Database<S>['intake'],
    signals: createPgSignalQueue(link),
    held: createPgHeldRequests(link),
    leases: createPgLeaseStore(link),
    budget: createPgBudgetStore(link),
    flights: createPgFlightClaims(link),
    health,
    get degraded() {
      return !link.reachable;
    },
    async close() {
      // Writes already called get the statement deadline to go out; then the pool ends.
      await link.settle(opts.timeoutMs);
      if (link.health().heldWrites > 0) log.error({ held: link.health().heldWrites }, 'STORE CLOSED with check writes the database never took');
      link.close();
      await pool.end();
    },
  };
}
