/**
 * One SQLite connection (`PINGOPS_DB`): opening it, its pragmas and its versioned migrations.
 * The repositories of src/store/sqlite/ are built on the handle this returns (see open.ts);
 * nothing outside src/store/sqlite/ sees SQL.
 */
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '../../util/logger.js';
import { StoreOpenError } from '../errors.js';

export { StoreOpenError };

export type Db = Database.Database;

/** One schema step. Ids sort in the order they must run (`0001-checks`, `0002-noc`, ...). */
export interface Migration {
  id: string;
  sql: string;
}


/** A path that is not a file on disk. */
export const isMemoryPath = (path: string): boolean => path === ':memory:';

/**
 * Opens (creating it and its folder when missing) and migrates the database at `path`.
 * Throws StoreOpenError for a corrupt, unreadable or unwritable file, or one written by a newer
 * pingops, since starting on a store we cannot trust would lose what people wait for.
 */
export function openConnection(path: string, migrations: readonly Migration[], logger: Logger): Db {
  const where = isMemoryPath(path) ? path : resolve(path);
  let db: Db | null = null;
  try {
    if (!isMemoryPath(path)) {
      mkdirSync(dirname(where), { recursive: true });
      assertWritable(where);
    }
    db = new Database(where);
    // WAL lets the CLI read history while the bot writes; NORMAL is durable across a process
    // crash (kill -9), which is the failure we design for, and far cheaper than FULL.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // A second process (the CLI) may hold the write lock for a moment.
    db.pragma('busy_timeout = 5000');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`integrity check failed: ${String(check)}`);
    migrate(db, migrations, logger);
    // A file SQLite could open only for reading (a read-only mount) fails here, at start,
    // instead of at the first check's write.
    db.exec('BEGIN IMMEDIATE; ROLLBACK');
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof StoreOpenError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new StoreOpenError(
      `cannot open the store PINGOPS_DB=${where}: ${reason}. Point PINGOPS_DB at a writable file (it is created when missing), or move the damaged file away.`,
    );
  }
}

/**
 * Refuses a file (or folder) this process cannot write before SQLite opens it: SQLite would
 * open it read-only, create `-wal` and `-shm` files with the file's own mode (0444) beside it,
 * and fail only at the first write.
 */
function assertWritable(file: string): void {
  const target = existsSync(file) ? file : dirname(file);
  try {
    accessSync(target, constants.R_OK | constants.W_OK);
    // The -wal and -shm files are created in the folder.
    accessSync(dirname(file), constants.W_OK);
  } catch {
    throw new StoreOpenError(
      `cannot open the store PINGOPS_DB=${file}: ${target === file ? 'the file' : 'its folder'} is not writable by this process. Point PINGOPS_DB at a writable file (it is created when missing), or fix the permissions.`,
    );
  }
}

/** Applies, in id order, each migration the database has not seen, each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[], logger: Logger): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set((db.prepare('SELECT id FROM schema_migrations').all() as { id: string }[]).map((r) => r.id));
  const known = new Set(migrations.map((m) => m.id));
  const unknown = [...applied].filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new StoreOpenError(`the store was written by a newer pingops (migrations ${unknown.join(', ')}); upgrade pingops or use another PINGOPS_DB`);
  }
  const record = db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)');
  for (const m of [...migrations].sort((a, b) => a.id.localeCompare(b.id))) {
    if (applied.has(m.id)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.id, Date.now());
    })();
    logger.info({ migration: m.id }, 'store migrated');
  }
}
