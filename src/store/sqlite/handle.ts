/**
 * The one SQLite connection of a process, as every repository of this folder sees it: prepared
 * statements and transactions on the *current* connection, writes under the one degrade policy,
 * and the one write queue of the connection. The connection can change under the repositories
 * (moved into memory on a full disk, reopened after its WAL vanished); they never hold a
 * statement across calls, so every port follows it together.
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
  /**
   * Queues a write of `table` for the end of this event-loop turn: every write queued in a turn,
   * of every repository, runs in call order in ONE IMMEDIATE transaction (one commit), and the
   * promise resolves with `fn`'s value once that transaction is committed. `fn` runs inside the
   * transaction, so what it reads and returns is what it committed, and no other process on the
   * file writes in between. A batch that fails is applied again one write at a time (each in its
   * own IMMEDIATE transaction), so one bad write fails alone.
   */
  later<T>(table: string, fn: () => T): Promise<T>;
  /**
   * Applies the queued writes now. With `table`, only when one of them writes that table: a read
   * of `table` calls it first, so it sees every write queued before it.
   */
  flush(table?: string): void;
}

/**
 * Queued writes beyond this are applied at once instead of at the end of the turn, which bounds
 * the queue and the size of one transaction (a turn rarely queues more than a few hundred).
 */
export const MAX_QUEUED_WRITES = 1000;

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

  const write = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (!isDegrading(err) || !onWriteFailure(err)) throw err;
      return fn();
    }
  };
  const tx = <F extends (...args: never[]) => unknown>(fn: F): Tx<F> => {
    let t = transactions.get(fn) as Tx<F> | undefined;
    if (!t) transactions.set(fn, (t = db.transaction(fn)));
    return t;
  };

  let queue: Pending[] = [];
  /** The tables the queued writes touch (what `flush(table)` asks). */
  const queuedFor = new Set<string>();
  let scheduled: NodeJS.Immediate | null = null;
  let applying = false;
  const applyAll = (batch: readonly Pending[]) => {
    for (const w of batch) w.run();
  };
  const applyOne = (w: Pending) => w.run();
  const flush = (table?: string) => {
    // A flush asked for from inside a batch (a write that reads) already sees the batch.
    if (applying || queue.length === 0) return;
    if (table !== undefined && !queuedFor.has(table)) return;
    if (scheduled) clearImmediate(scheduled);
    scheduled = null;
    const batch = queue;
    queue = [];
    queuedFor.clear();
    applying = true;
    try {
      try {
        write(() => tx(applyAll).immediate(batch));
      } catch {
        for (const w of batch) {
          try {
            write(() => tx(applyOne).immediate(w));
          } catch (err) {
            w.fail(err);
            continue;
          }
          w.settle();
        }
        return;
      }
    } finally {
      applying = false;
    }
    for (const w of batch) w.settle();
  };
  const flushNow = () => flush();

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
    tx,
    write,
    flush,
    later<T>(table: string, fn: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        // The value of the run that committed: a batch applied again one by one runs `fn` twice.
        let value: T;
        queue.push({
          run: () => {
            value = fn();
          },
          settle: () => resolve(value),
          fail: reject,
        });
        queuedFor.add(table);
        if (queue.length >= MAX_QUEUED_WRITES && !applying) flush();
        else scheduled ??= setImmediate(flushNow);
      });
    },
  };
}

/** One queued write: its statements, and the caller's promise to settle once they are committed. */
interface Pending {
  run(): void;
  settle(): void;
  fail(err: unknown): void;
}
