import { describe, expect, it } from 'vitest';
import type { DoneState } from '../../src/core/check-state.js';
import { Registry } from 'prom-client';
import { countHeldRequests, createMetrics, watchChat, watchLeases } from '../../src/http/metrics.js';

const done = (over: Partial<DoneState>): DoneState => ({
  kind: 'done',
  serviceId: 1001,
  taskId: 't',
  verdict: 'stable',
  message: null,
  polls: 2,
  elapsedMs: 4500,
  lossPct: null,
  rttMs: null,
  reason: { kind: 'verdict' },
  cached: false,
  ...over,
});

const value = (text: string, series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1]);

describe('metrics', () => {
  it('counts verdicts, cache hits, polls and time, and reports the gauges', async () => {
    let t = 1_000_000;
    let inFlight = 5;
    const m = createMetrics({ now: () => t, inFlight: () => inFlight });
    m.checkDone(done({}));
    m.checkDone(done({ verdict: 'no_internet', polls: 3, elapsedMs: 5500 }));
    m.checkDone(done({ cached: true }));
    m.checkDone(done({ verdict: 'timed_out', polls: 14, elapsedMs: 60_000, reason: { kind: 'deadline' } }));
    t += 90_000;
    const text = await m.render();
    expect(value(text, 'pingops_checks_total{verdict="stable"}')).toBe(2);
    expect(value(text, 'pingops_checks_total{verdict="no_internet"}')).toBe(1);
    expect(value(text, 'pingops_checks_total{verdict="timed_out"}')).toBe(1);
    expect(value(text, 'pingops_checks_total{verdict="cancelled"}')).toBe(0);
    expect(value(text, 'pingops_checks_cached_total')).toBe(1);
    expect(value(text, 'pingops_check_runs_total')).toBe(3);
    expect(value(text, 'pingops_check_polls_total')).toBe(19);
    expect(value(text, 'pingops_check_seconds_total')).toBe(70);
    expect(value(text, 'pingops_checks_in_flight')).toBe(5);
    expect(value(text, 'pingops_uptime_seconds')).toBe(90);
    // Every series has its HELP and TYPE lines.
    expect(text.match(/^# TYPE /gm)).toHaveLength(7);
    expect(text.match(/^# HELP /gm)).toHaveLength(7);
    // Gauges are read at each scrape; counters only grow.
    inFlight = 0;
    m.checkDone(done({ verdict: 'stable' }));
    const later = await m.render();
    expect(value(later, 'pingops_checks_in_flight')).toBe(0);
    expect(value(later, 'pingops_checks_total{verdict="stable"}')).toBe(3);
  });

  it('adds Node\'s process series once, on demand', async () => {
    const m = createMetrics({ inFlight: () => 0 });
    expect(await m.render()).not.toMatch(/^process_resident_memory_bytes /m);
    m.withProcess();
    m.withProcess();
    const text = await m.render();
    expect(value(text, 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
    expect(text.match(/^# TYPE process_resident_memory_bytes /gm)).toHaveLength(1);
  });

  it('tells which leases this replica holds, read at each scrape', async () => {
    const registry = new Registry();
    let role: 'leader' | 'standby' = 'standby';
    watchLeases(registry, () => [{ name: 'noc', role }, { name: 'discord-gateway', role: 'leader' }]);
    expect(value(await registry.metrics(), 'pingops_lease_held{lease="noc"}')).toBe(0);
    role = 'leader';
    const text = await registry.metrics();
    expect(value(text, 'pingops_lease_held{lease="noc"}')).toBe(1);
    expect(value(text, 'pingops_lease_held{lease="discord-gateway"}')).toBe(1);
  });

  it('counts requests in hand per surface and outcome, every series there at 0 from the start', async () => {
    const registry = new Registry();
    const surface = countHeldRequests(registry, ['held', 'replayed', 'dropped']);
    const slack = surface('slack');
    surface('discord');
    slack('held');
    slack('held');
    slack('dropped');
    const text = await registry.metrics();
    expect(value(text, 'pingops_held_requests_total{surface="slack",outcome="held"}')).toBe(2);
    expect(value(text, 'pingops_held_requests_total{surface="slack",outcome="dropped"}')).toBe(1);
    expect(value(text, 'pingops_held_requests_total{surface="slack",outcome="replayed"}')).toBe(0);
    expect(value(text, 'pingops_held_requests_total{surface="discord",outcome="dropped"}')).toBe(0);
    expect(text).toMatch(/^# TYPE pingops_held_requests_total counter$/m);
  });

  it('tells per chat surface how many conversations wait for their final edits, in memory and in the store', async () => {
    const registry = new Registry();
    let surfaces = [
      { surface: 'slack', inMemory: 100, inStore: 640 },
      { surface: 'shell', inMemory: 0, inStore: 0 },
    ];
    watchChat(registry, () => surfaces);
    const text = await registry.metrics();
    expect(value(text, 'pingops_chat_final_edits_waiting{surface="slack",where="memory"}')).toBe(100);
    expect(value(text, 'pingops_chat_final_edits_waiting{surface="slack",where="store"}')).toBe(640);
    expect(value(text, 'pingops_chat_final_edits_waiting{surface="shell",where="store"}')).toBe(0);
    expect(text.match(/^# TYPE pingops_chat_final_edits_waiting gauge$/gm)).toHaveLength(1);
    surfaces = [];
    expect(await registry.metrics()).not.toMatch(/^pingops_chat_final_edits_waiting\{/m);
  });
});
