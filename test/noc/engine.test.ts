import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/core/verdict.js';
import { NocEngine, type ClientFacts } from '../../src/noc/engine.js';
import { DEFAULT_NOC_SETTINGS, type Health, type NocEvent, type ScopeKey } from '../../src/noc/types.js';

const MIN = 60_000;
const fresh = (silenced: (s: ScopeKey, now: number) => boolean = () => false) =>
  new NocEngine(DEFAULT_NOC_SETTINGS, { tracks: new Map(), incidents: [], nextIncidentId: 1 }, silenced);

const facts = (serviceId: number, extra: Partial<ClientFacts> = {}): ClientFacts => ({
  serviceId,
  name: `Client ${serviceId}`,
  group: 'router:7',
  groupLabel: 'RB-7',
  explicit: false,
  inWatchedGroup: true,
  onHold: false,
  ...extra,
});
const H: Record<Verdict, Health> = { stable: 'up', intermittent: 'up', antenna_only: 'up', no_internet: 'down', failed: 'down', timed_out: 'unknown', cancelled: 'unknown' };
const summary = (events: NocEvent[]) =>
  events.map((e) => ('incident' in e ? `${e.kind} ${e.incident.scope}#${e.incident.id}` : e.kind === 'flapping' ? `flapping ${e.scope}` : e.kind));

/** A window: each client's verdict goes through clientVerdict, then the group is judged. */
function window(engine: NocEngine, now: number, verdicts: [number, Verdict][], available = 50) {
  const checked = verdicts.map(([id, v]) => {
    engine.clientVerdict(facts(id), v, H[v], now, { inWindow: true });
    return { facts: facts(id), verdict: v, health: H[v] };
  });
  return engine.groupWindow('router:7', 'RB-7', checked, available, now);
}

describe('NocEngine', () => {
  it('a sample down asks for a quick recheck and a group confirmation; the window opens one router incident', () => {
    const e = fresh();
    expect(e.clientVerdict(facts(1), 'no_internet', 'down', 0)).toEqual({ quickRecheck: true, confirmGroup: true });
    window(e, 10_000, [[1, 'no_internet'], [2, 'no_internet'], [3, 'failed'], [4, 'no_internet'], [5, 'stable'], [6, 'no_internet']]);
    const d = e.drain();
    expect(summary(d.events)).toEqual(['opened router:7#1']);
    const opened = d.events[0];
    expect(opened?.kind === 'opened' && opened.incident.members.filter((m) => m.health === 'down').length).toBe(5);
    expect(e.groupIsDown('router:7')).toBe(true);
  });

  it('a lone client down in a watched group opens nothing (a support ticket, not a NOC alert)', () => {
    const e = fresh();
    e.clientVerdict(facts(1), 'no_internet', 'down', 0);
    window(e, 1000, [[1, 'no_internet'], [2, 'stable'], [3, 'stable'], [4, 'stable']]);
    e.clientVerdict(facts(1), 'no_internet', 'down', 30_000);
    expect(e.drain().events).toEqual([]);
    expect(e.tracker('client:1')?.status).toBe('down');
  });

  it('a watched client opens after two downs, folds into its router, and the router recovery resolves once', () => {
    const e = fresh();
    const c = facts(1, { explicit: true });
    e.clientVerdict(c, 'no_internet', 'down', 0);
    e.clientVerdict(c, 'no_internet', 'down', 30_000);
    window(e, 40_000, [[2, 'no_internet'], [3, 'no_internet'], [4, 'no_internet']]);
    e.clientVerdict(facts(5), 'no_internet', 'down', 3 * MIN);
    window(e, 20 * MIN, [[2, 'stable'], [3, 'stable'], [4, 'stable'], [1, 'stable']]);
    const d = e.drain();
    expect(summary(d.events)).toEqual(['opened client:1#1', 'opened router:7#2', 'members_changed router:7#2', 'resolved router:7#2']);
    const resolved = d.events.at(-1);
    expect(resolved?.kind === 'resolved' && resolved.durationMs).toBe(20 * MIN - 40_000);
    expect(d.incidents.find((i) => i.id === 1)?.notes).toEqual(['folded into incident #2']);
    expect(e.openIncidents()).toEqual([]);
  });

  it('a client still down when its router recovers becomes its own incident after fresh downs', () => {
    const e = fresh();
    window(e, 0, [[1, 'no_internet'], [2, 'no_internet'], [3, 'no_internet'], [9, 'no_internet']]);
    const again = window(e, 10 * MIN, [[1, 'stable'], [2, 'stable'], [3, 'stable']]);
    expect(again).toEqual([9]);
    e.drain();
    expect(e.clientVerdict(facts(9), 'no_internet', 'down', 10 * MIN + 5000).quickRecheck).toBe(true);
    e.clientVerdict(facts(9), 'no_internet', 'down', 10 * MIN + 35_000);
    // (Its first recheck told the resolved router incident that it is still down: issue 18.)
    expect(summary(e.drain().events)).toEqual(['members_changed router:7#1', 'opened client:9#2']);
  });

  it('members a recovery left down are checked again: the resolved incident takes their fresh verdicts, told once', () => {
    const e = fresh();
    window(e, 0, [[1, 'no_internet'], [2, 'no_internet'], [3, 'no_internet'], [8, 'no_internet'], [9, 'no_internet']]);
    expect(window(e, 10 * MIN, [[1, 'stable'], [2, 'stable'], [3, 'stable']])).toEqual([8, 9]);
    e.drain();
    e.clientVerdict(facts(8), 'stable', 'up', 10 * MIN + 5000);
    expect(e.drain().events).toEqual([]);
    e.clientVerdict(facts(9), 'no_internet', 'down', 10 * MIN + 6000);
    const d = e.drain();
    expect(summary(d.events)).toEqual(['members_changed router:7#1']);
    const told = d.events[0];
    expect(told?.kind === 'members_changed' && [told.down, told.back, told.incident.state]).toEqual([[9], [8], 'resolved']);
    const members = told?.kind === 'members_changed' ? told.incident.members : [];
    expect(members.find((m) => m.serviceId === 8)).toMatchObject({ health: 'up', verdict: 'stable' });
    expect(d.incidents.find((i) => i.id === 1)?.state).toBe('resolved');
  });

  it('reminds every NOC_REPEAT until acked; an ack stops reminders', () => {
    const e = fresh();
    window(e, 0, [[1, 'no_internet'], [2, 'no_internet'], [3, 'no_internet']]);
    e.tick(59 * MIN);
    e.tick(60 * MIN);
    e.tick(61 * MIN);
    e.ack(1, 'ana', 62 * MIN);
    e.tick(121 * MIN);
    expect(summary(e.drain().events)).toEqual(['opened router:7#1', 'reminder router:7#1', 'acked router:7#1']);
  });

  it('a silence holds the opening until it ends; an alerted incident still gets its recovery', () => {
    let silencedUntil = 10 * MIN;
    const e = fresh((_s, now) => now < silencedUntil);
    window(e, 0, [[1, 'no_internet'], [2, 'no_internet'], [3, 'no_internet']]);
    e.tick(5 * MIN);
    expect(e.drain().events).toEqual([]);
    e.tick(10 * MIN);
    expect(summary(e.drain().events)).toEqual(['opened router:7#1']);
    silencedUntil = 100 * MIN;
    window(e, 20 * MIN, [[1, 'stable'], [2, 'stable'], [3, 'stable']]);
    expect(summary(e.drain().events)).toEqual(['resolved router:7#1']);
  });

  it('an incident opened and ended inside a silence is never notified', () => {
    const e = fresh(() => true);
    window(e, 0, [[1, 'no_internet'], [2, 'no_internet'], [3, 'no_internet']]);
    window(e, 5 * MIN, [[1, 'stable'], [2, 'stable'], [3, 'stable']]);
    expect(e.drain().events).toEqual([]);
  });

  it('a flapping watched client: alerts until the fourth change, one flapping notice, then quiet until settled', () => {
    const e = fresh();
    const c = facts(1, { explicit: true, group: null, inWatchedGroup: false });
    const seq: Verdict[] = ['no_internet', 'no_internet', 'stable', 'stable', 'no_internet', 'no_internet', 'stable', 'stable', 'no_internet', 'no_internet', 'stable', 'stable', 'no_internet', 'no_internet'];
    seq.forEach((v, i) => e.clientVerdict(c, v, H[v], i * MIN));
    expect(summary(e.drain().events)).toEqual(['opened client:1#1', 'resolved client:1#1', 'opened client:1#2', 'resolved client:1#2', 'flapping client:1']);
    // Still down an hour after its last change: settled, and the held-back opening goes out.
    e.tick(13 * MIN + 60 * MIN);
    e.tick(13 * MIN + 60 * MIN + 1);
    expect(summary(e.drain().events)).toEqual(['opened client:1#4']);
  });

  it('a client on a billing hold never opens an outage and never asks for checks', () => {
    const e = fresh();
    const c = facts(1, { explicit: true, onHold: true });
    expect(e.clientVerdict(c, 'no_internet', 'down', 0)).toEqual({ quickRecheck: false, confirmGroup: false });
    e.clientVerdict(c, 'no_internet', 'down', MIN);
    expect(e.drain().events).toEqual([]);
  });

  it('falla_general opens a router incident without a ping and its end resolves it', () => {
    const e = fresh();
    e.generalFault('router:7', 'RB-7', 'Corte de fibra', 0);
    e.generalFault('router:7', 'RB-7', 'Corte de fibra', MIN);
    e.generalFault('router:7', 'RB-7', null, 30 * MIN);
    const d = e.drain();
    expect(summary(d.events)).toEqual(['opened router:7#1', 'resolved router:7#1']);
    expect(d.events[0]?.kind === 'opened' && d.events[0].incident.notes).toEqual(['WispHub falla_general: Corte de fibra']);
  });

  it('a router that goes down and up twice within the hour is flapping: one notice', () => {
    const e = fresh();
    const downs: [number, Verdict][] = [[1, 'no_internet'], [2, 'no_internet'], [3, 'no_internet']];
    const ups: [number, Verdict][] = [[1, 'stable'], [2, 'stable'], [3, 'stable']];
    for (let i = 0; i < 6; i++) window(e, i * 5 * MIN, i % 2 === 0 ? downs : ups);
    const kinds = summary(e.drain().events);
    expect(kinds.filter((k) => k === 'flapping router:7')).toHaveLength(1);
    expect(kinds.filter((k) => k.startsWith('opened'))).toHaveLength(2);
  });

  it('an incident whose scope is no longer watched ends, with a note', () => {
    const e = fresh();
    window(e, 0, [[1, 'no_internet'], [2, 'no_internet'], [3, 'no_internet']]);
    e.closeUnwatched('router:7', MIN);
    const d = e.drain();
    expect(summary(d.events)).toEqual(['opened router:7#1', 'resolved router:7#1']);
    expect(d.incidents[0]?.notes).toEqual(['closed: no longer watched']);
  });

  it('a router incident carries the notes it opened with (billing holds left out)', () => {
    const e = fresh();
    const checked = [1, 2, 3].map((id) => ({ facts: facts(id), verdict: 'no_internet' as const, health: 'down' as const }));
    e.groupWindow('router:7', 'RB-7', checked, 10, 0, ['2 clients on a billing hold, not counted']);
    const opened = e.drain().events[0];
    expect(opened?.kind === 'opened' && opened.incident.notes).toEqual(['2 clients on a billing hold, not counted']);
  });

  it('a budget warning is said once per change of what is stretched', () => {
    const e = fresh();
    e.budgetWarning(['all every 1 min: stretched to 2 min'], 'x', 0);
    e.budgetWarning(['all every 1 min: stretched to 2 min'], 'x', 1);
    e.budgetWarning([], 'x', 2);
    expect(summary(e.drain().events)).toEqual(['budget_warning']);
  });
});
