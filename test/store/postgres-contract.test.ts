/** The store contract (contract.ts) on PostgreSQL: each test on a database of its own, dropped after. */
import pg from 'pg';
import { describe, it } from 'vitest';
import type { Database } from '../../src/store/ports.js';
import { CARD_TRUST_MS } from '../../src/store/ports.js';
import { openPostgresDatabase } from '../../src/store/postgres/open.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { Secret } from '../../src/util/secret.js';
import { createTestDatabase, HAVE_POSTGRES } from '../support/postgres.js';
import { describeStoreContract, type StoreUnderTest } from './contract.js';

/** A fresh database; `exec` writes through a connection of its own, as another process would. */
async function openPostgres(): Promise<StoreUnderTest> {
  const target = await createTestDatabase();
  const open = (): Promise<Database> => openPostgresDatabase({ url: new Secret(target.url), poolMax: 4, timeoutMs: 5000, logger: silentLogger, clock: systemClock, cardTtlMs: CARD_TRUST_MS });
  let db = await open();
  return {
    get db() {
      return db;
    },
    async reopen() {
      await db.close();
      db = await open();
      return db;
    },
    async exec(sql) {
      const other = new pg.Client({ connectionString: target.url });
      await other.connect();
      try {
        await other.query(sql);
      } finally {
        await other.end();
      }
    },
    async cleanup() {
      await db.close();
      await target.drop();
    },
  };
}

if (HAVE_POSTGRES) describeStoreContract('PostgreSQL', openPostgres);
else describe('the store (PostgreSQL)', () => it.skip('no PostgreSQL server answers (see test/support/postgres.ts)', () => {}));
