/**
 * `npm start` on PostgreSQL: a check through the shell, its verdict in the server's tables, and
 * the history read back by the CLI (another process) from the same database. Also the start
 * refused, clearly, when the server does not answer.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, MAIN, jsonLines, killStarted, runProgram, startProgram, testEnv, until } from '../support/spawn.js';
import { createTestDatabase, HAVE_POSTGRES, type TestDatabase } from '../support/postgres.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await killStarted();
  while (cleanup.length) await cleanup.pop()?.();
});

async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  cleanup.push(() => db.drop());
  return db;
}

describe.skipIf(!HAVE_POSTGRES)('pingops on PostgreSQL (PINGOPS_DATABASE_URL)', () => {
  it('stores a shell check on the server and the CLI reads its history back from there', async () => {
    const db = await database();
    const env = testEnv({ PINGOPS_DATABASE_URL: db.url });

    const bot = await runProgram(MAIN, { env, input: '/ping 1003\n' });
    expect(bot.code).toBe(0);
    expect(bot.stdout).toContain('Luz Dary Castro · 1003: 🔴 No internet');
    expect(jsonLines(bot.stderr)).toContainEqual(expect.objectContaining({ msg: 'store opened (PostgreSQL)' }));

    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const rows = (await c.query("SELECT service_id::int AS service_id, verdict, surface, delivered FROM checks")).rows;
    await c.end();
    expect(rows).toEqual([{ service_id: 1003, verdict: 'no_internet', surface: 'shell', delivered: true }]);

    const history = await runProgram([...CLI, 'history', '1003', '--json'], { env });
    expect(history.code).toBe(0);
    expect(jsonLines(history.stdout)).toEqual([expect.objectContaining({ service_id: 1003, verdict: 'no_internet', surface: 'shell' })]);
  }, 60_000);

  it('loses the server mid-run: the check still ends in a verdict, /readyz and /metrics say it, and the verdict reaches the server once it is back', async () => {
    const db = await database();
    const proxy = await startTcpProxy(5432);
    cleanup.push(() => proxy.close());
    const bot = startProgram(MAIN, { env: testEnv({ PINGOPS_DATABASE_URL: db.via(proxy.port), PINGOPS_DATABASE_TIMEOUT: '2s' }), keepOpen: true });
    await bot.waitFor(/"port":\d+[^\n]*http server listening/, 'stderr', 30_000);
    const port = Number(/"port":(\d+)[^\n]*http server listening/.exec(bot.stderr())?.[1]);
    const get = async (path: string) => {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
      return { status: r.status, text: await r.text() };
    };
    await until(async () => (await get('/readyz')).status === 200, 'ready');

    proxy.cut();
    bot.write('/ping 1003\n');
    await bot.waitFor('Luz Dary Castro · 1003: 🔴 No internet', 'stdout', 30_000);
    const ready = await until(async () => {
      const r = await get('/readyz');
      return r.status === 503 && r;
    }, '/readyz 503 while the database is away');
    expect(JSON.parse(ready.text)).toMatchObject({ status: 'store degraded', store: { state: 'degraded', reason: expect.stringContaining('check writes wait in memory') } });
    expect((await get('/metrics')).text).toMatch(/^pingops_store_degraded 1$/m);
    expect(bot.stderr()).toContain('STORE UNREACHABLE');
    // The only replica alive by its heartbeats: it spends the whole refill on its own (100/min → 88).
    const local = (jsonLines(bot.stderr()) as Record<string, unknown>[]).find((l) => String(l.msg).startsWith('REQUEST BUDGET LOCAL'));
    expect(local).toMatchObject({ replicas: 1, perMinute: 88 });

    proxy.restore();
    await until(async () => (await get('/readyz')).status === 200, '/readyz 200 once the database answers', 45_000);
    expect((await get('/metrics')).text).toMatch(/^pingops_store_degraded 0$/m);
    expect(bot.stderr()).toContain('STORE RECONNECTED');
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const rows = (await c.query('SELECT service_id::int AS service_id, verdict, surface, delivered FROM checks')).rows;
    await c.end();
    expect(rows).toEqual([{ service_id: 1003, verdict: 'no_internet', surface: 'shell', delivered: true }]);
  }, 120_000);

  it('refuses to start when the server does not answer, naming PINGOPS_DATABASE_URL without its password', async () => {
    const proxy = await startTcpProxy(5432);
    cleanup.push(() => proxy.close());
    proxy.cut();
    const r = await runProgram(MAIN, { env: testEnv({ PINGOPS_DATABASE_URL: `postgres://pingops:pw-not-in-logs@127.0.0.1:${proxy.port}/pingops`, PINGOPS_DATABASE_TIMEOUT: '2s' }), input: '' });

    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(`PINGOPS_DATABASE_URL=postgres://pingops@127.0.0.1:${proxy.port}/pingops`);
    expect(r.stdout + r.stderr).not.toContain('pw-not-in-logs');
  }, 30_000);
});
