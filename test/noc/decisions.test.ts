import { describe, expect, it } from 'vitest';
import { healthOf, onBillingHold } from '../../src/noc/classify.js';
import { hasSettled, NEW_TRACKER, observe, type Tracker } from '../../src/noc/damping.js';
import { formatDuration, parseDuration } from '../../src/util/duration.js';
import { planRound } from '../../src/noc/planner.js';
import { rollup } from '../../src/noc/rollup.js';
import { pickSample, type SampleCandidate } from '../../src/noc/sampler.js';
import { parseScope } from '../../src/noc/types.js';
import type { Health } from '../../src/noc/types.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['500ms', 500],
    ['30min', 1_800_000],
    ['1500', 1500],
    [' 1.5m ', 90_000],
    ['0s', null],
    ['-5m', null],
    ['5 minutes', null],
    ['', null],
  ])('%j → %j', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it('formats for people', () => {
    expect([45_000, 120_000, 3_900_000, 3 * 86_400_000].map(formatDuration)).toEqual(['45 s', '2 min', '1 h 5 min', '3 d']);
  });
});

describe('parseScope', () => {
  it.each([
    ['1001', 'client:1001'],
    ['client:1001', 'client:1001'],
    ['router:3', 'router:3'],
    ['ZONE:2', 'zone:2'],
    ['#1001', 'client:1001'],
    ['sector:1', null],
    ['router:', null],
  ])('%j → %j', (text, scope) => expect(parseScope(text)).toBe(scope));
});

describe('healthOf', () => {
  const v = (verdict: string, kind = 'verdict') => healthOf({ verdict, reason: kind === 'verdict' ? { kind: 'verdict' } : { kind: 'deadline' } } as never);
  it.each([
    ['no_internet', 'verdict', 'down'],
    ['failed', 'verdict', 'down'],
    ['stable', 'verdict', 'up'],
    ['intermittent', 'verdict', 'up'],
    ['antenna_only', 'verdict', 'up'],
    ['timed_out', 'deadline', 'unknown'],
    ['failed', 'deadline', 'unknown'],
  ])('%s (%s) → %s', (verdict, kind, health) => expect(v(verdict, kind)).toBe(health));
});

describe('onBillingHold', () => {
  it.each([
    ['active', '2026-12-15', false],
    ['Activo', null, false],
    ['Suspendido', null, true],
    ['suspended', '2026-12-15', true],
    ['cut', null, true],
    ['active', '2026-11-30', true],
    [null, null, false],
  ])('%s, cut-off %s → %s', (paymentStatus, cutOffDate, hold) => expect(onBillingHold({ paymentStatus, cutOffDate }, '2026-12-02')).toBe(hold));
});

describe('damping', () => {
  const rules = { downAfter: 2, upAfter: 2, flapWindowMs: 3_600_000, flapChanges: 4 };
  const run = (healths: Health[], stepMs = 60_000) => {
    let t: Tracker = NEW_TRACKER;
    const changes: string[] = [];
    healths.forEach((h, i) => {
      const s = observe(t, h, i * stepMs, rules);
      t = s.tracker;
      if (s.changed) changes.push(s.changed);
      if (s.startedFlapping) changes.push('flapping');
    });
    return { t, changes };
  };
  it.each<[string, Health[], string[], 'up' | 'down']>([
    ['one down is not enough', ['down'], [], 'up'],
    ['down after two', ['down', 'down'], ['went_down'], 'down'],
    ['a good answer between resets the streak', ['down', 'up', 'down'], [], 'up'],
    ['unknown changes nothing', ['down', 'unknown', 'down'], ['went_down'], 'down'],
    ['up after two good', ['down', 'down', 'up', 'up'], ['went_down', 'went_up'], 'up'],
    ['four changes in an hour: flapping once', ['down', 'down', 'up', 'up', 'down', 'down', 'up', 'up', 'down', 'down'], ['went_down', 'went_up', 'went_down', 'went_up', 'flapping', 'went_down'], 'down'],
  ])('%s', (_name, healths, changes, status) => {
    const r = run(healths);
    expect(r.changes).toEqual(changes);
    expect(r.t.status).toBe(status);
  });
  it('four changes spread over more than the window are not flapping', () => {
    const r = run(['down', 'down', 'up', 'up', 'down', 'down', 'up', 'up'], 10 * 60_000);
    expect(r.changes).not.toContain('flapping');
  });
  it('settles after a whole window without a change', () => {
    const r = run(['down', 'down', 'up', 'up', 'down', 'down', 'up', 'up']);
    expect(r.t.flapping).toBe(true);
    const last = r.t.changes.at(-1) ?? 0;
    expect(hasSettled(r.t, last + 3_599_999, rules)).toBe(false);
    expect(hasSettled(r.t, last + 3_600_000, rules)).toBe(true);
  });
});

describe('rollup', () => {
  const rules = { rollupPct: 50, rollupMin: 3 };
  const h = (s: string): Health[] => [...s].map((c) => (c === 'd' ? 'down' : c === 'u' ? 'up' : 'unknown'));
  it.each([
    ['ddd', 50, 'down'],
    ['dddddd', 50, 'down'],
    ['dddu', 50, 'down'],
    ['ddduuu', 50, 'down'],
    ['dduuu', 50, 'up'],
    ['dd', 50, 'inconclusive'],
    ['dd', 2, 'inconclusive'],
    ['d??', 50, 'inconclusive'],
    ['dduuuuu', 50, 'up'],
    ['u', 50, 'inconclusive'],
    ['uuu', 50, 'up'],
    ['u', 1, 'up'],
    ['', 50, 'inconclusive'],
  ])('%s of %i available → %s', (s, available, out) => expect(rollup(h(s), rules, available)).toBe(out));
});

describe('pickSample', () => {
  const tr = (lastHealth: Health | null, lastCheckedAt: number | null): Tracker => ({ ...NEW_TRACKER, lastHealth, lastCheckedAt });
  const cands: SampleCandidate[] = [
    { serviceId: 1, tracker: tr('up', 500), lastStable: true },
    { serviceId: 2, tracker: null, lastStable: false },
    { serviceId: 3, tracker: tr('up', 100), lastStable: true },
    { serviceId: 4, tracker: tr('up', 50), lastStable: false },
    { serviceId: 5, tracker: tr('down', 10), lastStable: false },
  ];
  it.each([
    [1, [], [2]],
    [2, [], [2, 3]],
    [3, [], [2, 3, 1]],
    [5, [], [2, 3, 1, 4, 5]],
    [2, [2], [3, 1]],
    [0, [], []],
  ])('n=%i excluding %j → %j', (n, exclude, out) => expect(pickSample(cands, n, new Set(exclude))).toEqual(out));
  it('rotates: the one just checked goes to the back', () => {
    const seen: number[] = [];
    let list = cands.slice(0, 3);
    for (let round = 0; round < 6; round++) {
      const [id] = pickSample(list, 1);
      seen.push(id ?? -1);
      list = list.map((c) => (c.serviceId === id ? { ...c, tracker: tr('up', 1000 + round), lastStable: true } : c));
    }
    expect(seen).toEqual([2, 3, 1, 2, 3, 1]);
  });
});

describe('planRound', () => {
  const base = { groups: 40, groupClients: 1970, groupWord: 'routers' as const, singleClients: 0, followed: 0, entries: [{ label: 'all', intervalMs: 300_000 }], sample: 1, budgetPerMin: 50, costPerCheck: 3, roundMinMs: 60_000 };
  it('says what the budget buys at 40 routers and 50 req/min', () => {
    const p = planRound(base);
    expect(p.checksPerRound).toBe(40);
    expect(p.roundMs).toBe(144_000);
    expect(p.spacingMs).toBe(3600);
    expect(p.stretched).toEqual([]);
    expect(p.summary).toBe('1,970 clients on 40 routers; sampling 1 per router; one round every 2 min at 50 req/min (budget 50)');
  });
  it('names the entries a round cannot honour', () => {
    const p = planRound({ ...base, sample: 3, entries: [{ label: 'all', intervalMs: 300_000 }, { label: 'client 1001', intervalMs: 60_000 }] });
    expect(p.roundMs).toBe(432_000);
    expect(p.stretched).toEqual(['all every 5 min: stretched to 7 min', 'client 1001 every 1 min: stretched to 7 min']);
  });
  it('says how many watched clients it cannot group', () => {
    expect(planRound({ ...base, ungrouped: 12 }).summary).toBe(
      '1,970 clients on 40 routers; sampling 1 per router; 12 with neither router nor zone, not swept; one round every 2 min at 50 req/min (budget 50)',
    );
  });
  it('spreads a small list over the minimum round instead of bursting', () => {
    const p = planRound({ ...base, groups: 0, groupClients: 0, singleClients: 2, entries: [{ label: 'client 1001', intervalMs: 300_000 }] });
    expect(p.roundMs).toBe(60_000);
    expect(p.spacingMs).toBe(30_000);
    expect(p.summary).toBe('2 clients watched one by one; one round every 1 min at 6 req/min (budget 50)');
  });
});
