import type { Migration } from './database.js';

/**
 * Every schema step of the store, oldest first. Append only: a released migration never
 * changes, since stores in the field have already run it.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    // The learning poll schedule: one task-duration model per provider, packet count and router.
    id: '0003-duration-models',
    sql: `CREATE TABLE duration_models (
      key TEXT PRIMARY KEY,
      bin_ms INTEGER NOT NULL,
      weights TEXT NOT NULL,
      observed INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
  },
  {
    // Client cards as the Ping API last described them, so a new process (the CLI) need not ask again.
    id: '0003-client-cards',
    sql: `CREATE TABLE client_cards (
      service_id INTEGER PRIMARY KEY,
      card TEXT NOT NULL,
      fetched_at INTEGER NOT NULL
    )`,
  },
];
