/**
 * The one SQLite connection of a process, as every repository of this folder sees it: prepared
 * statements and transactions on the *current* connection, and writes under the one degrade
 * policy. The connection can change under the repositories (moved into memory on a full disk,
 * reopened after its WAL vanished); they never hold a statement across calls, so every port
 * follows it together.
 */
import type Database from 'better-sqlite3';
import type { Db } from './connection.js';

type Statement = Database.Statement;
type Tx<F extends (...args: never[]) => unknown> = Database.Transaction<F>;

export interface Sql {
  /** The prepared statement for `sql` on the current connection (prepared once per connection). */
  st(sql: string): Statement;
  /** `fn` as a transaction on the current connection (made once per connection). */
  tx<F extends (...args: never[]) => unknown>(fn: F): Tx<F>;
  /** Runs a write; a write the file can no longer take moves the database (see open.ts) and runs again there. */
  write<T>(fn: () => T): T;
}

/** SQLite result codes meaning "this file cannot take writes any more" (full disk, I/O error, read-only). */
export const DEGRADING = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB)/;

export const isDegrading = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && DEGRADING.test(code);
};

/**
 * A handle on a swappable connection. `onWriteFailure` decides what a degrading failure does
 * (and returns true when the write may run again on the new connection).
 */
export function createHandle(initial: Db, onWriteFailure: (err: unknown) => boolean): Sql & { readonly db: Db; swap(db: Db): void } {
  let db = initial;
  let statements = new Map<string, Statement>();
  let transactions = new WeakMap<object, unknown>();
  return {
    get db() {
      return db;
    },
    swap(next) {
      db = next;
      statements = new Map();
      transactions = new WeakMap();
    },
    st(sql) {
      let s = statements.get(sql);
      if (!s) statements.set(sql, (s = db.prepare(sql)));
      return s;
    },
    tx<F extends (...args: never[]) => unknown>(fn: F): Tx<F> {
      let t = transactions.get(fn) as Tx<F> | undefined;
      if (!t) transactions.set(fn, (t = db.transaction(fn)));
      return t;
    },
    write(fn) {
      try {
        return fn();
      } catch (err) {
        if (!isDegrading(err) || !onWriteFailure(err)) throw err;
        return fn();
      }
    },
  };
}
