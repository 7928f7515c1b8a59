/**
 * Versioned migrations of the PostgreSQL store. All pending steps run in one transaction that
 * first takes a transaction-scoped advisory lock: replicas starting together queue on the lock,
 * and the second finds the steps recorded by the first (it migrates nothing).
 */
import type { Logger } from '../../util/logger.js';
import type { PgPool } from './connection.js';

export interface PgMigration {
  id: string;
  sql: string;
}

/** The migrations table was written by a newer pingops. */
export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
}

/** Applies, in id order, the steps not yet recorded; returns the ids it applied. */
export async function migratePostgres(pool: PgPool, migrations: readonly PgMigration[], logger: Logger): Promise<string[]> {
  return pool.transaction(async (q) => {
    await q("SELECT pg_advisory_xact_lock(hashtext('pingops:migrate'))");
    await q('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)');
    const applied = new Set((await q<{ id: string }>('SELECT id FROM schema_migrations')).rows.map((r) => r.id));
    const known = new Set(migrations.map((m) => m.id));
    const unknown = [...applied].filter((id) => !known.has(id));
    if (unknown.length > 0) throw new SchemaTooNewError(`the database was migrated by a newer pingops (migrations ${unknown.join(', ')}); upgrade pingops or use another database`);
    const done: string[] = [];
    for (const m of [...migrations].sort((a, b) => a.id.localeCompare(b.id))) {
      if (applied.has(m.id)) continue;
      await q(m.sql);
      await q('INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)', [m.id, Date.now()]);
      logger.info({ migration: m.id }, 'store migrated');
      done.push(m.id);
    }
    return done;
  });
}
