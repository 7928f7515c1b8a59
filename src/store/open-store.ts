import type { Logger } from '../util/logger.js';
import { openDatabase, type Db } from './database.js';
import { MIGRATIONS } from './migrations.js';

/** Opens the store of a composition root (the bot, the CLI) at PINGOPS_DB, migrated. */
export function openStore(config: { store: { path: string } }, logger: Logger): Db {
  return openDatabase(config.store.path, MIGRATIONS, logger);
}
