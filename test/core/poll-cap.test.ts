import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/app/core.js';
import type { CheckState } from '../../src/core/check-state.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/util/logger.js';
import { fixture, startFakePingApi, type FakePingApi } from '../fakes/fake-ping-api.js';
import { ManualClock, settle } from '../support/manual-clock.js';

/**
 * Issue 18: one check whose task never finishes spent 46 polls in its 60 s (22-24 in 20 s),
 * gaps shrinking to 0.3 s near the deadline, although the README promises no more than one
 * poll every PING_INTERVAL_MS. The real core (learning schedule included) against the fake
 * Ping API, in virtual time; polls counted on the fake's wire.
 */
const TASK = /^\/api\/v1\/ping\/[^/]+\/$/;
let fake: FakePingApi | undefined;
let core: Core | undefined;
afterEach(async () => {
  await core?.close();
  await fake?.close();
  core = fake = undefined;
});

async function neverEnding(env: Record<string, string>) {
  fake = await startFakePingApi();
  fake.route('POST', '/api/v1/1001/ping/', { status: 200, body: fixture('api-create-ok.json') });
  fake.route('GET', TASK, { status: 200, body: fixture('api-result-pending.json') });
  const clock = new ManualClock();
  const config = loadConfig({ PING_API_URL: fake.url, PING_API_PATHS: 'v1', PINGOPS_DB: ':memory:', ...env });
  core = await createCore(config, silentLogger, clock);
  const handle = core.service.check(1001, { fresh: true });
  const states: CheckState[] = [];
  let finished = false;
  void (async () => {
    for await (const s of handle.states) states.push(s);
    finished = true;
  })();
  const polling = () => states.filter((s) => s.kind === 'polling').length;
  const sent = () => (fake as FakePingApi).requestsTo('GET', TASK).length;
  // Virtual time moves only while no poll is on the wire: each 'polling' state is announced
  // before its sleep, so once answered there is one more of them than polls sent.
  const start = clock.now();
  const times: number[] = [];
  while (!finished && clock.now() - start < 120_000) {
    await clock.advance(10);
    const before = times.length;
    for (let n = sent(); times.length < n; ) times.push(clock.now() - start);
    const deadline = Date.now() + 5000;
    while (!finished && polling() < sent() + 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1));
      await settle(1);
    }
    if (times.length > before && polling() < sent() + 1 && !finished) throw new Error('a poll got no answer');
  }
  const done = await handle.done;
  const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
  return { done, times, gaps };
}

/**
 * Past the first 10 s, polls come about every PING_INTERVAL_MS (2 s) on average and never
 * squeezed together (0.3 s apart near the deadline before): a gap may be shorter than 2 s only
 * where the plan's own step and the documented pace take turns.
 */
function expectSteadyTail(times: number[], gaps: number[], timeoutMs: number) {
  const tail = gaps.filter((_, i) => (times[i] ?? 0) > 10_000);
  expect(tail.length).toBeGreaterThan(0);
  expect(Math.min(...tail)).toBeGreaterThanOrEqual(1000);
  expect(tail.reduce((a, b) => a + b, 0) / tail.length).toBeGreaterThanOrEqual(1900);
  expect(times.at(-1)).toBeLessThan(timeoutMs);
}

describe('a check that never finishes (issue 18)', () => {
  it('polls no more often than every PING_INTERVAL_MS: at most 29 polls in the default 60 s, the gaps steady up to the deadline', async () => {
    const { done, times, gaps } = await neverEnding({});
    expect(done).toMatchObject({ verdict: 'timed_out', reason: { kind: 'deadline' } });
    // The documented strategy: 2.5 s, then every 2 s: 29 polls by 60 s.
    expect(times.length).toBeLessThanOrEqual(29);
    expect(times.length).toBeGreaterThanOrEqual(20);
    expectSteadyTail(times, gaps, 60_000);
  }, 60_000);

  it('with PING_TIMEOUT_MS=20000: at most 9 polls, the gaps near the deadline not collapsing', async () => {
    const { done, times, gaps } = await neverEnding({ PING_TIMEOUT_MS: '20000' });
    expect(done).toMatchObject({ verdict: 'timed_out' });
    expect(times.length).toBeLessThanOrEqual(9);
    expect(times.length).toBeGreaterThanOrEqual(6);
    expectSteadyTail(times, gaps, 20_000);
  }, 60_000);
});
