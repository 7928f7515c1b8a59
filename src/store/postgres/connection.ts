/**
 * The PostgreSQL connection pool (`PINGOPS_DATABASE_URL`): bounded in size and in waiters, every
 * statement and every connect under a deadline, and a typed view of what failed. The URL's
 * password never leaves this file except inside the pg driver.
 */
import pg from 'pg';
import type { Logger } from '../../util/logger.js';
import type { Secret } from '../../util/secret.js';

export interface PostgresSettings {
  /** postgres://user:password@host:port/database */
  url: Secret;
  /** Connections at most (`PINGOPS_DATABASE_POOL_MAX`). */
  poolMax: number;
  /** Deadline of a connect and of one statement, ms (`PINGOPS_DATABASE_TIMEOUT`). */
  timeoutMs: number;
}

/** The URL as it may be shown: user, host, port and database, never the password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    // `postgres://user@host:port/db`, and no query string (it may carry `password=`).
    return `${u.protocol}//${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return '(an unparsable URL)';
  }
}

/** What a failed statement means for the caller. */
export type PgFault =
  /** The server cannot be reached or dropped us: the write may be retried once it answers. */
  | 'unreachable'
  /** Our own bound (the pool's waiters) was reached: shed, try later. */
  | 'busy'
  /** A statement ran past its deadline. */
  | 'timeout'
  /** The server cannot take writes (disk full, read-only standby). */
  | 'unwritable'
  /** Anything else: a bug or bad data; never retried. */
  | 'other';

/** The pool refused to queue one more statement. */
export class StoreBusyError extends Error {
  override name = 'StoreBusyError';
  readonly code = 'PINGOPS_STORE_BUSY';
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);

/** Classifies an error thrown by pg (SQLSTATE codes, socket errors, the pool's own messages). */
export function classifyPgError(err: unknown): PgFault {
  if (err instanceof StoreBusyError) return 'busy';
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : '';
  const message = err instanceof Error ? err.message : String(err);
  if (NETWORK_CODES.has(code)) return 'unreachable';
  // 08: connection exception; 57P01-03: the server is shutting down or starting; 53300: no slot.
  if (/^08/.test(code) || /^57P0[123]$/.test(code) || code === '53300') return 'unreachable';
  if (code === '57014') return 'timeout';
  if (code === '53100' || code === '25006') return 'unwritable';
  if (code === '') {
    // The driver's own words for a dead or unopenable socket (it sets no code on them).
    if (/Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|not queryable/i.test(message)) {
      return 'unreachable';
    }
    if (/Query read timeout/i.test(message)) return 'timeout';
  }
  return 'other';
}

/** int8 (ids, millisecond timestamps, counts) as numbers: every value we store is below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as typeof pg.types.getTypeParser,
};

export interface PgPool {
  /** Runs one statement on any connection; throws StoreBusyError when too many wait already. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values?: readonly unknown[]): Promise<pg.QueryResult<R>>;
  /**
   * Runs one statement, waiting its turn however many wait: for check writes, which are never
   * shed (their number is bounded by the checks running, one write in flight per check).
   */
  queryInTurn: PgQuery;
  /** Runs `fn` in one transaction on one connection (BEGIN … COMMIT, ROLLBACK on a throw). */
  transaction<T>(fn: (q: PgQuery) => Promise<T>): Promise<T>;
  /** Opened connections right now (for tests and /metrics). */
  readonly totalCount: number;
  readonly waitingCount: number;
  end(): Promise<void>;
}

export type PgQuery = <R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values?: readonly unknown[]) => Promise<pg.QueryResult<R>>;

/**
 * A pool on `settings`. Beyond twenty waiters per connection, reads and transactions are refused
 * at once (StoreBusyError) rather than queued without bound behind a slow or absent server;
 * every waiter also gives up after the connect deadline.
 */
export function createPool(settings: PostgresSettings, logger: Logger, applicationName = 'pingops'): PgPool {
  const log = logger.child({ component: 'store', database: describeDatabaseUrl(settings.url.reveal()) });
  const pool = new pg.Pool({
    connectionString: settings.url.reveal(),
    max: settings.poolMax,
    connectionTimeoutMillis: settings.timeoutMs,
    idleTimeoutMillis: 30_000,
    // Server-side deadlines: a statement, or a transaction left open by a stalled process.
    statement_timeout: settings.timeoutMs,
    idle_in_transaction_session_timeout: settings.timeoutMs * 3,
    // Client-side deadline too: a server that stops answering without closing the socket.
    query_timeout: settings.timeoutMs + 1000,
    application_name: applicationName,
    keepAlive: true,
    types,
  });
  // An idle connection dropped by the server emits here; unhandled it would end the process.
  pool.on('error', (err) => log.warn({ err: err.message }, 'database connection lost (idle); the pool opens a new one on the next statement'));
  // A connection lost while checked out (a transaction, the lease) emits 'error' on its client,
  // not on the pool; unheard, that is an uncaught exception that ends the process. The statement
  // in flight fails on its own and the caller's retry or degrade path takes over.
  pool.on('connect', (client) => client.on('error', (err) => log.warn({ err: err.message }, 'database connection lost (in use); its statement fails and is retried')));
  const maxWaiting = settings.poolMax * 20;
  const guard = () => {
    if (pool.waitingCount >= maxWaiting) throw new StoreBusyError(`the database pool has ${pool.waitingCount} statements waiting (at most ${maxWaiting})`);
  };
  return {
    async query(sql, values) {
      guard();
      return pool.query(sql, values as unknown[] | undefined);
    },
    queryInTurn(sql, values) {
      return pool.query(sql, values as unknown[] | undefined);
    },
    async transaction(fn) {
      guard();
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const out = await fn((sql, values) => client.query(sql, values as unknown[] | undefined));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw err;
      } finally {
        // A connection whose ROLLBACK failed is not given back to others.
        client.release(broken);
      }
    },
    get totalCount() {
      return pool.totalCount;
    },
    get waitingCount() {
      return pool.waitingCount;
    },
    end() {
      return pool.end();
    },
  };
}
