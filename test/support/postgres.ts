/**
 * The machine's PostgreSQL server for tests: each test gets its own database
 * (`pingops_test_<random>`), dropped after. `TEST_DATABASE_URL` points at another server
 * (default: postgres@127.0.0.1:5432, trust auth, as on these machines and in CI).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Whether a server answers; probed once per test file, with a deadline. */
export async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** True when the PostgreSQL suites can run; says once, on stderr, why they are skipped otherwise. */
export const HAVE_POSTGRES = await postgresAnswers();
if (!HAVE_POSTGRES) {
  console.warn(`PostgreSQL tests SKIPPED: no server answers at ${redactUrl(ADMIN_URL)} (set TEST_DATABASE_URL, or start it: pg_ctlcluster --skip-systemctl-redirect 15 main start)`);
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable TEST_DATABASE_URL)';
  }
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  /** postgres://… of the new database. */
  readonly url: string;
  readonly name: string;
  /** The same database through another host and port (a proxy in front of the server). */
  via(port: number): string;
  /** The rows of one query, on a connection of its own (to read what the bot wrote). */
  rows<T extends pg.QueryResultRow>(sql: string): Promise<T[]>;
  drop(): Promise<void>;
}

/** A new empty database; `drop()` removes it (ending any connection still on it). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `pingops_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async rows<T extends pg.QueryResultRow>(sql: string) {
      const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
      await client.connect();
      try {
        return (await client.query<T>(sql)).rows;
      } finally {
        await client.end();
      }
    },
    via(port) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    async drop() {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
