import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { scenarioFor } from '../../src/sim/scenarios.js';
import { simClient } from '../../src/sim/clients.js';
import { startSimulator } from '../../src/sim/server.js';
import { silentLogger } from '../../src/util/logger.js';
import { startCountingProxy } from '../support/counting-proxy.js';
import { maxInWindow } from '../support/windows.js';
import { createTestDatabase, HAVE_POSTGRES } from '../support/postgres.js';
import { killStarted, MAIN, startProgram, testEnv, type Program, until } from '../support/spawn.js';

// One request budget for the whole deployment (issue 16): three real `npm start` replicas on one
// PostgreSQL database, each a shell on piped input, all talking to one simulated WispHub behind
// a proxy that notes the time of every request it forwards. PING_API_RATE_PER_MIN is the sum
// over the replicas, so the upstream must never see more than it in any 60 s window.
const RATE = 100;
const CHECKS = 150;
const REPLICAS = 3;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await killStarted();
  while (cleanup.length) await cleanup.pop()?.();
});

/** Active simulator clients whose line answers `stable`: every check can end in a real verdict. */
function stableClients(n: number): number[] {
  const today = new Date().toISOString().slice(0, 10);
  const out: number[] = [];
  for (let id = 1000; id <= 1999 && out.length < n; id++) {
    const c = simClient(id, today);
    if (c?.payment_status === 'active' && scenarioFor(id)?.outcome === 'stable') out.push(id);
  }
  return out;
}

async function rows<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(sql)).rows;
  } finally {
    await c.end();
  }
}

describe.skipIf(!HAVE_POSTGRES)('three replicas on one PostgreSQL database share one request budget', () => {
  it(`${CHECKS} checks spread over ${REPLICAS} replicas at ${RATE}/min: no 60 s window over the rate upstream, every check a verdict`, async () => {
    const sim = await startSimulator({ dialect: 'wisphub', auth: 'key', speed: 50, logger: silentLogger });
    const proxy = await startCountingProxy(sim.url);
    cleanup.push(() => sim.close(), () => proxy.close());
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const clients = stableClients(CHECKS);
    expect(clients).toHaveLength(CHECKS);

    const env = testEnv({
      PINGOPS_DB: '',
      PINGOPS_DATABASE_URL: db.url,
      WISPHUB_API_URL: proxy.url,
      WISPHUB_API_KEY: sim.credentials.apiKey ?? '',
      PING_API_RATE_PER_MIN: String(RATE),
      PING_PACKET_MS: '50',
      // Every check its own task: no verdict reused from another replica's check.
      PING_RESULT_CACHE_MS: '0',
      PING_QUEUE_MAX_WAIT_MS: '1800000',
      PINGOPS_USER_RATE_PER_MIN: '10000',
      LOG_LEVEL: 'info',
    });
    const replicas: Program[] = [];
    for (let i = 0; i < REPLICAS; i++) replicas.push(startProgram(MAIN, { env, keepOpen: true }));
    for (const r of replicas) await r.waitFor('running the shell on standard input', 'stderr', 60_000);

    // All at once, a third on each replica: the worst case for a shared budget.
    clients.forEach((id, i) => replicas[i % REPLICAS]?.write(`/ping ${id} 1\n`));

    // Every check ends; the store (shared) says how.
    const finished = async () => Number((await rows<{ n: string }>(db.url, 'SELECT COUNT(*) AS n FROM checks WHERE finished_at IS NOT NULL'))[0]?.n ?? 0);
    await until(async () => (await finished()) >= CHECKS || undefined, `${CHECKS} finished checks`, 9 * 60_000);
    const checks = await rows<{ service_id: number; verdict: string; final: string; owner: string }>(db.url, 'SELECT service_id, verdict, final, owner FROM checks');
    expect(checks).toHaveLength(CHECKS);
    expect(checks.filter((c) => (JSON.parse(c.final) as { reason: { kind: string } }).reason.kind !== 'verdict').map((c) => [c.service_id, c.verdict, c.final])).toEqual([]);
    expect(checks.every((c) => c.verdict === 'stable')).toBe(true);
    // Spread: each replica followed its own third.
    expect(new Set(checks.map((c) => c.owner)).size).toBe(REPLICAS);

    const times = proxy.seen.map((s) => s.at);
    const creations = proxy.seen.filter((s) => s.method === 'POST').length;
    const busiest = maxInWindow(times, 60_000);
    console.log(`replicas-budget: ${proxy.seen.length} upstream requests (${creations} task creations), busiest 60 s window ${busiest}, over ${Math.round((Math.max(...times) - Math.min(...times)) / 1000)} s`);
    expect(creations).toBe(CHECKS);
    expect(busiest).toBeLessThanOrEqual(RATE);
    // The budget was used, not merely respected: the busiest minute is near the rate.
    expect(busiest).toBeGreaterThanOrEqual(RATE * 0.8);
    for (const r of replicas) expect(r.stderr()).not.toContain('REQUEST BUDGET LOCAL');

    for (const r of replicas) r.endInput();
    for (const r of replicas) expect((await r.exited).code).toBe(0);
  }, 12 * 60_000);

  it('two people on two replicas pinging one client (same packets) get one upstream task', async () => {
    // Real-time tasks (4 packets, about 4 s), so the second person asks while the first task runs.
    const sim = await startSimulator({ dialect: 'wisphub', auth: 'key', speed: 1, logger: silentLogger });
    const proxy = await startCountingProxy(sim.url);
    cleanup.push(() => sim.close(), () => proxy.close());
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const env = testEnv({
      PINGOPS_DB: '',
      PINGOPS_DATABASE_URL: db.url,
      WISPHUB_API_URL: proxy.url,
      WISPHUB_API_KEY: sim.credentials.apiKey ?? '',
      PING_API_RATE_PER_MIN: '6000',
      SIM_SPEED: '1',
      PING_INITIAL_DELAY_MS: '2500',
      PING_RESULT_CACHE_MS: '0',
      LOG_LEVEL: 'info',
    });
    const [a, b] = [startProgram(MAIN, { env, keepOpen: true }), startProgram(MAIN, { env, keepOpen: true })] as [Program, Program];
    for (const r of [a, b]) await r.waitFor('running the shell on standard input', 'stderr', 60_000);
    a.write('/ping 1001\n');
    await a.waitFor('ping task created', 'stderr', 30_000);
    b.write('/ping 1001\n');
    await b.waitFor('following the ping task another replica created for the same client', 'stderr', 30_000);
    for (const r of [a, b]) await r.waitFor('Stable connection', 'stdout', 60_000);
    const created = proxy.seen.filter((x) => x.method === 'POST' && x.path.startsWith('/api/clientes/1001/ping'));
    expect(created).toHaveLength(1);
    for (const r of [a, b]) r.endInput();
    for (const r of [a, b]) expect((await r.exited).code).toBe(0);
  }, 3 * 60_000);
});
