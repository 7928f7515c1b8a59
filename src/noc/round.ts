/**
 * Planning one round of the watcher: which routers and zones it covers (watched, or reported
 * down by another system), which clients it checks (those watched one by one, a rotating sample
 * per group, those that changed lately) and the pace that fits the budget. Pure: the watcher
 * reads the lists and the engine's trackers and hands them in.
 */
import { bareClientRecord, type ClientRecord } from '../core/client.js';
import { onBillingHold } from './classify.js';
import type { ClientTrack } from './engine.js';
import type { Tracker } from './damping.js';
import { planRound, type Plan } from './planner.js';
import { pickSample } from './sampler.js';
import { groupOf, type GroupKey, type Incident, type NocSettings, type WatchEntry } from './types.js';

export type JobWhy = 'sample' | 'client' | 'follow' | 'confirm' | 'quick' | 'recheck' | 'intake';

/** A router or zone the round covers. */
export interface GroupInfo {
  key: GroupKey;
  label: string;
  clients: ClientRecord[];
  /** Active and not on a billing hold: who may be sampled. */
  candidates: number[];
  generalFault: string | null;
}

/** What the round needs of the engine's memory. */
export interface TrackView {
  tracker(key: string): Tracker | null;
  clientTrack(serviceId: number): ClientTrack | null;
  groupIsDown(group: GroupKey): boolean;
}

export interface RoundInput {
  watches: readonly WatchEntry[];
  /** The client list (and clients reported by other systems); reported groups' clients are added. */
  clients: Map<number, ClientRecord>;
  /** Clients watched one by one (entries and reported clients). */
  explicit: ReadonlySet<number>;
  /** Open router or zone incidents another system reported (alert storms): sampled as if watched. */
  reportedGroups: readonly Incident[];
  tracks: TrackView | null;
  settings: NocSettings;
  budgetPerMin: number;
  costPerCheck: number;
  now: number;
  /** Today, `YYYY-MM-DD`, for billing holds. */
  day: string;
}

export interface Round {
  groups: Map<GroupKey, GroupInfo>;
  /** Clients that belong to a covered group. */
  inGroups: Set<number>;
  jobs: { serviceId: number; why: JobWhy }[];
  plan: Plan;
}

/** Clients followed after a change (flap tracking) take at most this share of a round. */
const FOLLOW_SHARE = 0.25;

/** `n` clients of a group to check, rotating (see sampler). */
export function sampleOf(g: GroupInfo, n: number, exclude: ReadonlySet<number>, tracks: TrackView | null): number[] {
  return pickSample(
    g.candidates.map((id) => ({ serviceId: id, tracker: tracks?.tracker(`client:${id}`) ?? null, lastStable: tracks?.clientTrack(id)?.lastVerdict === 'stable' })),
    n,
    exclude,
  );
}

export function buildRound(r: RoundInput): Round {
  const { clients, settings, tracks, now, day } = r;
  const wantsAll = r.watches.some((w) => w.kind === 'all');
  const inGroups = new Set<number>();
  const groups = new Map<GroupKey, GroupInfo>();
  let ungrouped = 0;
  for (const c of clients.values()) {
    const watched = wantsAll || r.watches.some((w) => (w.kind === 'router' && c.router?.id === w.ref) || (w.kind === 'zone' && c.zoneId === w.ref));
    if (!watched) continue;
    const key = groupOf(c);
    if (!key) {
      ungrouped++;
      continue;
    }
    inGroups.add(c.serviceId);
    let g = groups.get(key);
    if (!g) {
      g = { key, label: groupLabel(c, key), clients: [], candidates: [], generalFault: null };
      groups.set(key, g);
    }
    g.clients.push(c);
    if (!onBillingHold(c, day)) g.candidates.push(c.serviceId);
    if (c.router?.generalFault) g.generalFault = c.router.generalFault;
  }
  // Routers another system reported down (an alert storm) are sampled each round while their
  // incident is open, as if watched, so their recovery is seen.
  for (const i of r.reportedGroups) {
    const key = i.scope as GroupKey;
    if (groups.has(key)) continue;
    let members = [...clients.values()].filter((c) => groupOf(c) === key);
    if (members.length === 0) members = i.members.map((m) => clients.get(m.serviceId) ?? bareClientRecord(m.serviceId, m.name));
    const g: GroupInfo = { key, label: i.label, clients: members, candidates: [], generalFault: null };
    for (const c of members) {
      clients.set(c.serviceId, c);
      inGroups.add(c.serviceId);
      if (!onBillingHold(c, day)) g.candidates.push(c.serviceId);
    }
    groups.set(key, g);
  }
  const jobs: Round['jobs'] = [];
  const queued = new Set<number>();
  const add = (serviceId: number, why: JobWhy) => {
    if (queued.has(serviceId)) return;
    queued.add(serviceId);
    jobs.push({ serviceId, why });
  };
  for (const id of r.explicit) {
    const c = clients.get(id);
    if (c && !onBillingHold(c, day)) add(id, 'client');
  }
  for (const g of groups.values()) for (const id of sampleOf(g, settings.sample, queued, tracks)) add(id, 'sample');
  // Clients that changed lately are followed each round, so flapping is seen, within a share of the round.
  const followCap = Math.max(3, Math.floor(jobs.length * FOLLOW_SHARE));
  let followed = 0;
  for (const id of inGroups) {
    if (followed >= followCap) break;
    if (queued.has(id)) continue;
    const t = tracks?.clientTrack(id);
    const c = clients.get(id);
    const group = c ? groupOf(c) : null;
    if (!t || !c || onBillingHold(c, day) || (group && tracks?.groupIsDown(group))) continue;
    const recent = t.tracker.changes.some((at) => now - at < settings.flapWindowMs);
    if (!recent && !t.orphan) continue;
    add(id, 'follow');
    followed++;
  }
  const routers = [...groups.keys()].filter((k) => k.startsWith('router:')).length;
  const plan = planRound({
    groups: groups.size,
    groupClients: [...groups.values()].reduce((n, g) => n + g.candidates.length, 0),
    groupWord: routers === groups.size ? 'routers' : routers === 0 ? 'zones' : 'routers and zones',
    singleClients: jobs.filter((j) => j.why === 'client').length,
    followed,
    ungrouped,
    entries: r.watches.map((w) => ({ label: entryLabel(w), intervalMs: w.intervalMs })),
    sample: settings.sample,
    budgetPerMin: r.budgetPerMin,
    costPerCheck: r.costPerCheck,
    roundMinMs: Math.min(settings.roundMinMs, ...r.watches.map((w) => w.intervalMs)),
  });
  return { groups, inGroups, jobs, plan };
}

export function groupLabel(c: ClientRecord, key: GroupKey): string {
  if (c.router && key.startsWith('router:')) return c.zoneName ? `${c.router.name} (${c.zoneName})` : c.router.name;
  return c.zoneName ?? `zone ${c.zoneId ?? '?'}`;
}

export function entryLabel(w: Pick<WatchEntry, 'kind' | 'ref'>): string {
  return w.kind === 'all' ? 'all' : `${w.kind} ${w.ref ?? '?'}`;
}
