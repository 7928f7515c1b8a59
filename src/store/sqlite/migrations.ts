import type { Migration } from './connection.js';
import { NOC_MESSAGES_MIGRATION } from './noc-messages.js';
import { INTAKE_MIGRATION } from './intake.js';
import { NOC_MIGRATION } from './noc.js';
import { SIGNALS_MIGRATION } from './signals.js';
import { BUDGET_MIGRATION } from './budget.js';
import { PROVIDER_CARDS_MIGRATION } from './cards.js';
import { RESULT_CACHE_MIGRATION } from './results.js';
import { FLIGHT_CLAIMS_MIGRATION } from './flight-claims.js';
import { HELD_REQUESTS_MIGRATION } from './held-requests.js';

/**
 * Every schema step of the store, oldest first. Append only: a released migration never
 * changes, since stores in the field have already run it.
 */
export const MIGRATIONS: readonly Migration[] = [
  // Issue 9: every check, with where its messages are, so a restart can finish it.
  {
    id: '0001-checks',
    sql: `
      CREATE TABLE checks (
        id TEXT PRIMARY KEY,
        service_id INTEGER NOT NULL,
        packets INTEGER NOT NULL,
        task_id TEXT,
        requester TEXT NOT NULL,
        requester_name TEXT,
        surface TEXT NOT NULL,
        channel TEXT NOT NULL,
        thread TEXT,
        messages TEXT NOT NULL DEFAULT '{}',
        locale TEXT NOT NULL,
        client TEXT,
        state TEXT NOT NULL,
        verdict TEXT,
        final TEXT,
        loss_pct REAL,
        rtt_ms REAL,
        started_at INTEGER NOT NULL,
        deadline_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        finished_at INTEGER,
        mention TEXT NOT NULL DEFAULT 'none',
        delivered INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX checks_by_service ON checks (service_id, started_at DESC);
      CREATE INDEX checks_by_start ON checks (started_at);
      CREATE INDEX checks_open ON checks (surface, started_at) WHERE delivered = 0;
    `,
  },
  // Issue 10: the NOC watcher (watch list, silences, trackers, incidents, outbox)
  NOC_MIGRATION,
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
  // Issue 11: where each NOC incident lives in chat, and what each outbox event posted.
  NOC_MESSAGES_MIGRATION,
  // Issue 11: alerts taken from the hooks, kept until checked (a restart picks them up).
  INTAKE_MIGRATION,
  {
    // Issue 19: the prune of stale client cards (DELETE ... WHERE fetched_at < ?) scanned the
    // whole table on every card write: 0.9 ms a write at 20,000 cards.
    id: '0006-client-cards-fetched-at',
    sql: 'CREATE INDEX client_cards_fetched_at ON client_cards (fetched_at)',
  },
  {
    // Issue 16: each running check names the replica following it; each replica beats every few
    // seconds (one row per process), so another replica adopts a check only once its owner is gone.
    id: '0007-check-owners',
    sql: `
      ALTER TABLE checks ADD COLUMN owner TEXT;
      CREATE TABLE replicas (
        id TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        beat_at INTEGER NOT NULL
      );
    `,
  },
  // Issue 16: buttons across replicas.
  SIGNALS_MIGRATION,
  // Issue 16: one request budget for every replica on the file.
  BUDGET_MIGRATION,
  // Issue 16: the client cards and the result cache keyed by the provider that answered.
  PROVIDER_CARDS_MIGRATION,
  RESULT_CACHE_MIGRATION,
  // Issue 16: single-flight across replicas (one task for one client and packet count).
  FLIGHT_CLAIMS_MIGRATION,
  // Issue 19: requests acknowledged and not yet taken up, so a crash in between loses none.
  HELD_REQUESTS_MIGRATION,
];
