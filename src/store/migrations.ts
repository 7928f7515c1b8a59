import type { Migration } from './database.js';

/**
 * Every schema step of the store, oldest first. Append only: a released migration never
 * changes, since stores in the field have already run it.
 */
export const MIGRATIONS: readonly Migration[] = [];
