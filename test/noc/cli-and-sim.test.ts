import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../src/cli-args.js';
import { watcherRegistry } from '../../src/noc/metrics.js';
import { describeEvent } from '../../src/present/noc.js';
import type { Incident } from '../../src/noc/types.js';
import type { WatcherStatus } from '../../src/noc/watcher.js';
import { createOutageScript, parseOutages, simRouterOf } from '../../src/sim/outages.js';

describe('pingops watch / noc arguments', () => {
  it.each([
    [['watch', 'add', '1001'], { kind: 'watch_add', target: { kind: 'client', ref: 1001 }, intervalMs: null }],
    [['watch', 'add', 'router:3', 'every', '2m'], { kind: 'watch_add', target: { kind: 'router', ref: 3 }, intervalMs: 120_000 }],
    [['watch', 'add', '--every=30s', 'zone:2'], { kind: 'watch_add', target: { kind: 'zone', ref: 2 }, intervalMs: 30_000 }],
    [['watch', 'add', 'all'], { kind: 'watch_add', target: { kind: 'all', ref: null }, intervalMs: null }],
    [['watch', 'remove', 'client:1001'], { kind: 'watch_remove', target: { kind: 'client', ref: 1001 } }],
    [['watch', 'list'], { kind: 'watch_list' }],
    [['watch', 'silence', 'router:3', '2h', 'fibre', 'cut'], { kind: 'watch_silence', scope: 'router:3', durationMs: 7_200_000, reason: 'fibre cut' }],
    [['watch', 'silence', 'all', '30m'], { kind: 'watch_silence', scope: 'all', durationMs: 1_800_000, reason: null }],
    [['watch', 'unsilence', 'router:3'], { kind: 'watch_unsilence', scope: 'router:3' }],
    [['watch', 'silence', 'router:3', '999999999999d'], { kind: 'usage_error', message: expect.stringMatching(/a silence lasts at most 30 d/) }],
    [['watch', 'add', 'zone:4', 'every', '2d'], { kind: 'usage_error', message: expect.stringMatching(/every is at most 24 h/) }],
    [['noc'], { kind: 'noc', demo: false }],
    [['noc', '--demo'], { kind: 'noc', demo: true }],
    [['noc', 'status'], { kind: 'noc_status' }],
    [['watch', 'add'], { kind: 'usage_error' }],
    [['watch', 'add', 'router:3', 'every', 'soon'], { kind: 'usage_error' }],
    [['watch', 'silence', 'router:3'], { kind: 'usage_error' }],
    [['watch', 'drop', '1'], { kind: 'usage_error' }],
    [['noc', 'start'], { kind: 'usage_error' }],
  ])('%j', (argv, expected) => expect(parseCliArgs(argv)).toMatchObject(expected));
});

describe('simulator outage scripts', () => {
  it('parses rules and refuses what it cannot read', () => {
    expect(parseOutages('router:42@20s+60s, client:1234@0s+2m~15s')).toEqual({
      ok: true,
      rules: [
        { target: { kind: 'router', id: 42 }, fromMs: 20_000, forMs: 60_000, flapMs: null },
        { target: { kind: 'client', id: 1234 }, fromMs: 0, forMs: 120_000, flapMs: 15_000 },
      ],
    });
    expect(parseOutages('')).toEqual({ ok: true, rules: [] });
    expect(parseOutages('router:42@soon+60s')).toMatchObject({ ok: false, error: expect.stringContaining('router:42@soon+60s') });
  });
  it('takes a router down for its clients only while the rule holds, and flaps by half-periods', () => {
    const rules = parseOutages('router:91@10s+20s,client:1006@0s+60s~10s');
    if (!rules.ok) throw new Error(rules.error);
    const script = createOutageScript(rules.rules, 0);
    const onRouter = [...Array(1000).keys()].map((i) => 1000 + i).find((id) => simRouterOf(id, 9).id === 91) ?? 0;
    expect([5_000, 10_000, 29_999, 30_000].map((t) => script.scenarioAt(onRouter, 9, t)?.outcome ?? null)).toEqual([null, 'no_internet', 'no_internet', null]);
    expect(script.scenarioAt(onRouter, 8, 15_000)).toBeNull();
    expect([0, 9_999, 10_000, 20_000, 60_000].map((t) => script.scenarioAt(1006, 1, t)?.outcome ?? null)).toEqual(['no_internet', 'no_internet', 'stable', 'no_internet', null]);
  });
});

const incident: Incident = {
  id: 12, scope: 'router:41', group: null, label: 'RB-4.1 (Zona 4)', state: 'open', openedAt: Date.UTC(2026, 11, 2, 10, 42), ackedBy: null, ackedAt: null,
  resolvedAt: null, nextReminderAt: null, alerted: true, notes: ['WispHub falla_general: Corte de fibra'],
  members: [
    { serviceId: 1001, name: 'Ana', verdict: 'no_internet', health: 'down', at: 0 },
    { serviceId: 1002, name: 'Jorge', verdict: 'stable', health: 'up', at: 0 },
  ],
};

describe('NOC words and metrics', () => {
  it('describes events in one line each', () => {
    const at = incident.openedAt + 37 * 60_000;
    const lines = [
      describeEvent({ kind: 'opened', incident, at: incident.openedAt }),
      describeEvent({ kind: 'members_changed', incident, down: [1001], back: [1002], at }),
      describeEvent({ kind: 'resolved', incident, durationMs: 37 * 60_000, at }),
      describeEvent({ kind: 'flapping', scope: 'client:1006', label: 'client-1006 Carlos Pérez', changes: 4, windowMs: 3_600_000, at }),
    ].map((l) => l.slice(9));
    expect(lines).toEqual([
      'DOWN #12 RB-4.1 (Zona 4): 1 of 2 checked down · WispHub falla_general: Corte de fibra',
      'UPDATE #12 RB-4.1 (Zona 4): 1 of 2 checked down (client 1001 down, client 1002 back) · WispHub falla_general: Corte de fibra',
      'BACK #12 RB-4.1 (Zona 4) after 37 min',
      'FLAPPING client-1006 Carlos Pérez: 4 changes within 1 h; quiet until it settles for 1 h',
    ]);
  });
  it('exposes open incidents by scope, round time and the budget share in use', async () => {
    const status = { open: [incident], lastRoundMs: 130_000, plannedRoundMs: 144_000, round: 7, requestsLastMinute: 45, budgetPerMin: 50 } as WatcherStatus;
    let now: WatcherStatus | null = null;
    const registry = watcherRegistry(() => now);
    // Before the watcher runs: no incidents, no round yet.
    expect(await registry.metrics()).toContain('pingops_noc_round_seconds Nan\n');
    now = status;
    const text = await registry.metrics();
    expect(text).toContain('pingops_noc_open_incidents{scope="router"} 1\n');
    expect(text).toContain('pingops_noc_open_incidents{scope="client"} 0\n');
    expect(text).toContain('pingops_noc_round_seconds 130\n');
    expect(text).toContain('pingops_noc_rounds_total 7\n');
    expect(text).toContain('pingops_noc_budget_share_in_use 0.9\n');
  });
});
