import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/core/verdict.js';
import { NocEngine, type ClientFacts, type ExternalAlert } from '../../src/noc/engine.js';
import { describeEvent, intakeSentence } from '../../src/present/noc.js';
import { DEFAULT_NOC_SETTINGS, type Health, type Incident, type NocEvent, type ScopeKey } from '../../src/noc/types.js';

const fresh = (silenced: (s: ScopeKey, now: number) => boolean = () => false) =>
  new NocEngine(DEFAULT_NOC_SETTINGS, { tracks: new Map(), incidents: [], nextIncidentId: 1 }, silenced);
const facts = (serviceId: number, extra: Partial<ClientFacts> = {}): ClientFacts => ({
  serviceId,
  name: `Client ${serviceId}`,
  group: 'router:7',
  groupLabel: 'RB-7',
  explicit: false,
  inWatchedGroup: false,
  onHold: false,
  ...extra,
});
const H: Record<Verdict, Health> = { stable: 'up', intermittent: 'up', antenna_only: 'up', no_internet: 'down', failed: 'down', timed_out: 'unknown', cancelled: 'unknown' };
const alert = (status: 'firing' | 'resolved', extra: Partial<ExternalAlert> = {}): ExternalAlert => ({
  status,
  source: 'Alertmanager',
  title: 'ClientLinkDown',
  channel: null,
  lossPct: null,
  rttMs: null,
  ...extra,
});
const said = (events: NocEvent[]) =>
  events.map((e) => (e.kind === 'intake_note' ? `note ${e.why}` : 'incident' in e ? `${e.kind} ${e.incident.scope}#${e.incident.id}` : e.kind));
const report = (e: NocEngine, c: ClientFacts, status: 'firing' | 'resolved', v: Verdict, now = 0) => e.report(c, alert(status), v, H[v], now);

/** A router incident of router:7 with clients 2-4 down. */
function routerDown(e: NocEngine) {
  const checked = [2, 3, 4].map((id) => ({ facts: facts(id, { inWatchedGroup: true }), verdict: 'no_internet' as const, health: 'down' as const }));
  e.groupWindow('router:7', 'RB-7', checked, 10, 0);
  e.drain();
}

describe('NocEngine.report (alert intake)', () => {
  it.each([
    ['firing, our check finds it down: its incident opens at once', 'firing', 'no_internet', 'opened', ['opened client:1#1']],
    ['firing, the line answers: one note', 'firing', 'stable', 'noted', ['note answers']],
    ['firing, degraded but answering: a note', 'firing', 'intermittent', 'noted', ['note answers']],
    ['firing, our check timed out: a note that we could not tell', 'firing', 'timed_out', 'noted', ['note unknown']],
    ['resolved with no incident: nothing to say', 'resolved', 'stable', 'no_incident', []],
  ] as const)('%s', (_, status, verdict, outcome, events) => {
    const e = fresh();
    expect(report(e, facts(1), status, verdict)).toBe(outcome);
    expect(said(e.drain().events)).toEqual(events);
  });

  it('the opened incident says who reported it and is followed one by one (reportedBy)', () => {
    const e = fresh();
    report(e, facts(1), 'firing', 'no_internet');
    const [opened] = e.drain().events;
    expect(opened?.kind === 'opened' && opened.incident).toMatchObject({ scope: 'client:1', group: 'router:7', reportedBy: 'Alertmanager: ClientLinkDown', notes: ['reported by Alertmanager: ClientLinkDown'] });
    expect(e.tracker('client:1')?.status).toBe('down');
  });

  it('a second alert for the same client while its incident is open opens nothing more', () => {
    const e = fresh();
    report(e, facts(1), 'firing', 'no_internet');
    e.drain();
    expect(report(e, facts(1), 'firing', 'no_internet', 1000)).toBe('already');
    expect(e.drain().events).toEqual([]);
  });

  it("joins its router's open incident instead of opening its own", () => {
    const e = fresh();
    routerDown(e);
    expect(report(e, facts(5), 'firing', 'no_internet', 1000)).toBe('joined');
    const events = e.drain().events;
    expect(said(events)).toEqual(['members_changed router:7#1']);
    expect(events[0]?.kind === 'members_changed' && events[0].down).toEqual([5]);
    expect(report(e, facts(5), 'firing', 'no_internet', 2000)).toBe('already');
  });

  it('a client on a billing hold gets a note, never an incident', () => {
    const e = fresh();
    expect(report(e, facts(1, { onHold: true }), 'firing', 'no_internet')).toBe('noted');
    const events = e.drain().events;
    expect(said(events)).toEqual(['note on_hold']);
    expect(e.openIncidents()).toEqual([]);
  });

  it.each(['router:7', 'client:1'])('a silence on %s holds back both the note and the incident (maintenance)', (silenced) => {
    const e = fresh((scope) => scope === silenced);
    expect(report(e, facts(1), 'firing', 'stable')).toBe('silenced');
    expect(report(e, facts(1), 'firing', 'no_internet', 1000)).toBe('silenced');
    expect(e.drain().events).toEqual([]);
    expect(e.openIncidents()).toEqual([]);
  });

  it('resolved and answering: a reply in its thread, then its own incident ends', () => {
    const e = fresh();
    report(e, facts(1), 'firing', 'no_internet');
    e.drain();
    expect(report(e, facts(1), 'resolved', 'stable', 60_000)).toBe('posted');
    expect(said(e.drain().events)).toEqual(['intake_resolved client:1#1', 'resolved client:1#1']);
    expect(e.openIncidents()).toEqual([]);
  });

  it('resolved but still down: a reply in its thread, the incident stays open', () => {
    const e = fresh();
    report(e, facts(1), 'firing', 'no_internet');
    e.drain();
    expect(report(e, facts(1), 'resolved', 'no_internet', 60_000)).toBe('posted');
    expect(said(e.drain().events)).toEqual(['intake_resolved client:1#1']);
    expect(e.openIncidents().map((i) => i.scope)).toEqual(['client:1']);
  });

  it("resolved for a member of a router incident: a reply in the router's thread and the member is back", () => {
    const e = fresh();
    routerDown(e);
    expect(report(e, facts(3), 'resolved', 'stable', 1000)).toBe('posted');
    const events = e.drain().events;
    expect(said(events)).toEqual(['intake_resolved router:7#1', 'members_changed router:7#1']);
    expect(events[1]?.kind === 'members_changed' && events[1].back).toEqual([3]);
  });
});

describe('intake words', () => {
  const base = { source: 'Alertmanager', title: 'ClientLinkDown', serviceId: 1001, label: 'client-1001 Ana Morales', lossPct: 0, rttMs: 23, at: Date.UTC(2026, 11, 2, 15, 42) };
  it.each([
    [{ kind: 'intake_note', why: 'answers', channel: null, verdict: 'stable', ...base }, 'Alertmanager: ClientLinkDown 1001, but the line answers: stable · 0 % loss · 23 ms'],
    [{ kind: 'intake_note', why: 'unknown', channel: null, verdict: 'timed_out', ...base, lossPct: null, rttMs: null }, 'Alertmanager: ClientLinkDown 1001: our check could not tell (timed out), no incident opened'],
    [{ kind: 'intake_note', why: 'on_hold', channel: null, verdict: 'no_internet', ...base, source: 'Uptime Kuma', title: 'client-1001 CPE' }, 'Uptime Kuma: client-1001 CPE 1001: the line is on a billing hold (suspended or past its cut-off date), no incident opened'],
    // Antenna only is the customer's device NOT answering: the alert was right, never "the line answers".
    [{ kind: 'intake_note', why: 'answers', channel: 'C0NOC', verdict: 'antenna_only', ...base, source: 'Check request', title: null, lossPct: null, rttMs: null }, "Check request: 1001: confirmed at the premises: the customer's device does not answer, only the sector antenna (antenna only); not a network outage, no incident opened"],
    // What the sender said (a /hooks/check reason, an alert's summary) shows in the note.
    [{ kind: 'intake_note', why: 'answers', channel: null, verdict: 'stable', ...base, source: 'Check request', title: null, reason: 'ticket 4411: customer says no service' }, 'Check request: 1001, but the line answers: stable · 0 % loss · 23 ms (sender: "ticket 4411: customer says no service")'],
    [{ kind: 'intake_note', why: 'no_client', channel: null, problem: 'no such client', verdict: null, ...base, serviceId: null, label: '9999', lossPct: null, rttMs: null }, 'Alertmanager: ClientLinkDown "9999": no such client; nothing checked (check the alert\'s client label or tag)'],
  ] as const)('%j', (event, text) => {
    expect(intakeSentence(event)).toBe(text);
    expect(describeEvent(event)).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d NOTE ${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });

  it('a resolved alert in the thread says whether the line answers', () => {
    const incident: Incident = { id: 4, scope: 'client:1001', group: null, label: 'client-1001 Ana Morales', state: 'open', openedAt: 0, ackedBy: null, ackedAt: null, resolvedAt: null, nextReminderAt: null, alerted: true, members: [], notes: [] };
    const up: Extract<NocEvent, { kind: 'intake_resolved' }> = { kind: 'intake_resolved', incident, verdict: 'stable', ...base };
    expect(describeEvent(up)).toMatch(/ ALERT RESOLVED #4 client-1001 Ana Morales: Alertmanager: ClientLinkDown 1001 resolved; the line answers: stable · 0 % loss · 23 ms$/);
    expect(intakeSentence({ ...up, verdict: 'no_internet', lossPct: 100, rttMs: null })).toBe('Alertmanager: ClientLinkDown 1001 resolved, but the line still does not answer: no internet · 100 % loss');
    expect(intakeSentence({ ...up, verdict: 'antenna_only', lossPct: null, rttMs: null })).toBe("Alertmanager: ClientLinkDown 1001 resolved, but the customer's device still does not answer, only the sector antenna (a fault at the premises): antenna only");
  });
});
