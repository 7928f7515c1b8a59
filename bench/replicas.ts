/**
 * `npm run bench -- replicas`: what one request budget for the whole deployment costs (issue 16).
 *
 * 1. The shared budget's cost per request: one draw from the store's bucket (SQLite file in WAL
 *    mode; PostgreSQL on 127.0.0.1, a fresh database dropped after), one token a draw and five a
 *    draw (the queue's batch), next to the in-process token bucket it replaced. Virtual `now`
 *    passed to the store, so the bucket never runs dry and only the round trip is measured.
 * 2. Checks per second with three replicas next to one: each replica its own Database (its own
 *    pool), shared budget, request queue and PingService, in this process, on one PostgreSQL
 *    database, against an in-memory Ping API whose tasks are done at the first poll (2 requests a
 *    check) at PING_API_RATE_PER_MIN 100,000, so what limits is the machinery, not the rate. The
 *    same checks on one replica with the in-process bucket (the path before issue 16) for scale.
 * 3. The class order across two replicas on one PostgreSQL bucket, in real time at 100 a minute:
 *    who gets the tokens when one replica's new checks meet another's polls or another's people,
 *    and the ETA the second replica's next person is told.
 */
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { budgetShape } from '../src/core/request-budget.js';
import { createRequestQueue, localTokens, type RequestQueue, type TokenSource } from '../src/core/request-queue.js';
import { createPingService } from '../src/core/ping-service.js';
import { createSharedBudget } from '../src/core/shared-budget.js';
import type { Database } from '../src/store/ports.js';
import { openPostgresDatabase } from '../src/store/postgres/open.js';
import { openSqliteDatabase } from '../src/store/sqlite/open.js';
import { systemClock } from '../src/util/clock.js';
import { silentLogger } from '../src/util/logger.js';
import { Secret } from '../src/util/secret.js';
import { createTestDatabase, HAVE_POSTGRES } from '../test/support/postgres.js';
import { MemoryPingApi } from '../test/support/memory-ping-api.js';

const RATE = 100_000;

export interface DrawCostRow {
  budget: string;
  tokens_per_draw: number;
  draws: number;
  us_per_draw_mean: number;
  us_per_draw_p99: number;
  us_per_request: number;
}

const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;
const round = (x: number) => Math.round(x * 10) / 10;

async function drawCost(name: string, db: Database, draws: number, want: number): Promise<DrawCostRow> {
  const shape = budgetShape(RATE);
  const times: number[] = [];
  let now = 1_760_000_000_000;
  for (let i = 0; i < draws; i++) {
    // A second of virtual time between draws: the bucket is full each time.
    now += 1000;
    const t = performance.now();
    const d = await db.budget.draw(`bench-${want}`, shape, { want, keep: 0, now });
    times.push((performance.now() - t) * 1000);
    if (d.granted !== want) throw new Error(`drew ${d.granted} of ${want}`);
  }
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return { budget: name, tokens_per_draw: want, draws, us_per_draw_mean: round(mean), us_per_draw_p99: round(p(times, 0.99)), us_per_request: round(mean / want) };
}

async function localCost(draws: number): Promise<DrawCostRow> {
  const shape = budgetShape(RATE);
  const source = localTokens({ perMinute: 6_000_000, burst: draws + 1, clock: systemClock });
  const signal = new AbortController().signal;
  const times: number[] = [];
  for (let i = 0; i < draws; i++) {
    const t = performance.now();
    await source.take(1, 'polls', signal);
    times.push((performance.now() - t) * 1000);
  }
  void shape;
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return { budget: 'in-process bucket (before issue 16)', tokens_per_draw: 1, draws, us_per_draw_mean: round(mean), us_per_draw_p99: round(p(times, 0.99)), us_per_request: round(mean) };
}

const POLLING = { packets: 1, initialDelayMs: 0, intervalMs: 10, maxIntervalMs: 10, packetMs: 1, timeoutMs: 60_000, resultCacheMs: 0 };

/** `checks` checks spread over the replicas (each a source of tokens), all in flight at once; checks per second. */
async function checksPerSecond(sources: TokenSource[], checks: number): Promise<{ checks_per_s: number; requests: number }> {
  const services = sources.map((source) => {
    const shape = budgetShape(RATE);
    const api = new MemoryPingApi();
    const queue = createRequestQueue({ perMinute: shape.refillPerMin, burst: shape.capacity, source, clock: systemClock, max: 1_000_000, maxWaitMs: 3_600_000 });
    return { api, service: createPingService({ api, clock: systemClock, logger: silentLogger, polling: POLLING, queue, thriftyBackground: false, random: () => 0.5 }) };
  });
  const t = performance.now();
  const dones = await Promise.all(Array.from({ length: checks }, (_, i) => services[i % services.length]!.service.check(100_000 + i, { fresh: true }).done));
  const s = (performance.now() - t) / 1000;
  const bad = dones.filter((d) => d.verdict !== 'stable');
  if (bad.length > 0) throw new Error(`${bad.length} checks without a verdict: ${bad[0]?.reason.kind}`);
  for (const x of services) await x.service.close();
  return { checks_per_s: Math.round(checks / s), requests: services.reduce((n, x) => n + x.api.createCalls.length + x.api.resultCalls.length, 0) };
}

/**
 * The class order across two replicas on one PostgreSQL bucket, in real time at `ratePerMin`: A
 * keeps 40 people's new checks waiting; after 3 s, B keeps `what` waiting (5 polls, or 40
 * people's new checks); the tokens each got over the next `ms`, and B's waiting person's ETA.
 */
async function orderAcrossReplicas(dbs: [Database, Database], ratePerMin: number, what: 'polls' | 'new checks', ms: number): Promise<Record<string, string | number>> {
  const name = `bench-order-${what}-${Date.now()}`;
  const queues = dbs.map((db) => {
    const budget = createSharedBudget({ port: db.budget, name, ratePerMin, clock: systemClock, logger: silentLogger });
    return createRequestQueue({ perMinute: budget.shape.refillPerMin, burst: budget.shape.capacity, source: budget, clock: systemClock, max: 100_000, maxWaitMs: 3_600_000 });
  });
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const flood = (queue: RequestQueue, kind: 'create' | 'poll', n: number, sent: number[]) => {
    const one = (): void => {
      if (stop.signal.aborted) return;
      queue.take(kind, 'interactive', stop.signal).then(
        () => {
          sent.push(performance.now());
          one();
        },
        () => {},
      );
    };
    for (let i = 0; i < n; i++) one();
  };
  const [a, b] = queues as [RequestQueue, RequestQueue];
  const sentA: number[] = [];
  const sentB: number[] = [];
  flood(a, 'create', 40, sentA);
  await new Promise((r) => setTimeout(r, 3000));
  flood(b, what === 'polls' ? 'poll' : 'create', what === 'polls' ? 5 : 40, sentB);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const told: { ahead: number; etaMs: number }[] = [];
  b.take('create', 'interactive', stop.signal, (p) => told.push(p)).catch(() => {});
  await new Promise((r) => setTimeout(r, 100));
  stop.abort('done');
  const since = (sent: number[]) => sent.filter((t) => t >= t0).length;
  const eta = told[0];
  return {
    rate_per_min: ratePerMin,
    'A waiting': '40 new checks',
    'B waiting': what === 'polls' ? '5 polls' : '40 new checks',
    seconds: ms / 1000,
    'tokens A': since(sentA),
    'tokens B': since(sentB),
    "B's next person told": eta ? `${eta.ahead} ahead, about ${Math.round(eta.etaMs / 1000)} s` : '',
  };
}

export async function benchReplicas(draws = 2000, checks = 2000): Promise<{ cost: DrawCostRow[]; throughput: Record<string, string | number>[]; order?: Record<string, string | number>[]; note?: string }> {
  const cost: DrawCostRow[] = [await localCost(draws)];
  const dir = mkdtempSync(join(tmpdir(), 'pingops-bench-replicas-'));
  const sqlite = openSqliteDatabase({ path: join(dir, 'bench.db'), logger: silentLogger, clock: systemClock, cardTtlMs: 300_000, checkEveryMs: 0 });
  cost.push(await drawCost('shared, SQLite file', sqlite, draws, 1), await drawCost('shared, SQLite file', sqlite, draws, 5));
  const throughput: Record<string, string | number>[] = [];
  const shared = (db: Database, i: number) => createSharedBudget({ port: db.budget, name: `bench-run-${i}-${Date.now()}`, ratePerMin: RATE, clock: systemClock, logger: silentLogger });
  const run = async (label: string, sources: TokenSource[]) => throughput.push({ replicas: sources.length, budget: label, checks, ...(await checksPerSecond(sources, checks)) });
  await run('in-process bucket (before issue 16)', [localTokens({ perMinute: budgetShape(RATE).refillPerMin, burst: budgetShape(RATE).capacity, clock: systemClock })]);
  await run('shared, SQLite file', [shared(sqlite, 1)]);
  await sqlite.close();
  rmSync(dir, { recursive: true, force: true });
  if (!HAVE_POSTGRES) return { cost, throughput, note: 'PostgreSQL rows skipped: no server answers on 127.0.0.1:5432.' };
  const target = await createTestDatabase();
  const open = () => openPostgresDatabase({ url: new Secret(target.url), poolMax: 4, timeoutMs: 5000, logger: silentLogger, clock: systemClock, cardTtlMs: 300_000 });
  const dbs = [await open(), await open(), await open()];
  try {
    const first = dbs[0] as Database;
    cost.push(await drawCost('shared, PostgreSQL', first, draws, 1), await drawCost('shared, PostgreSQL', first, draws, 5));
    const name = `bench-shared-${Date.now()}`;
    const on = (db: Database) => createSharedBudget({ port: db.budget, name, ratePerMin: RATE, clock: systemClock, logger: silentLogger });
    await run('shared, PostgreSQL', [on(first)]);
    const name3 = `${name}-3`;
    await run('shared, PostgreSQL', dbs.map((db) => createSharedBudget({ port: db.budget, name: name3, ratePerMin: RATE, clock: systemClock, logger: silentLogger })));
    const pair = [dbs[1], dbs[2]] as [Database, Database];
    const order = [await orderAcrossReplicas(pair, 100, 'polls', 30_000), await orderAcrossReplicas(pair, 100, 'new checks', 60_000)];
    return { cost, throughput, order };
  } finally {
    for (const db of dbs) await db.close();
    await target.drop();
  }
}
