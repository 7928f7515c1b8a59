import type { Migration } from './database.js';
import { NOC_MIGRATION } from './noc-store.js';

/**
 * Every schema step of the store, oldest first. Append only: a released migration never
 * changes, since stores in the field have already run it.
 */
export const MIGRATIONS: readonly Migration[] = [
  // issue 10: the NOC watcher (watch list, silences, trackers, incidents, outbox)
  NOC_MIGRATION,
];
