/**
 * Alert intake on the watcher: one notification's alerts folded per router (see storm.ts) and
 * checked through the watcher's paced queue, with the same confirm rule and roll-up as a sweep
 * (the engine's group window), lines that answer held for one summary note.
 */
import { bareClientRecord, type ClientRecord } from '../core/client.js';
import type { DoneState } from '../core/check-state.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { healthOf, onBillingHold } from './classify.js';
import type { AlertFold, ClientFacts, ExternalAlert, HeldNote, NocEngine, ReportOutcome } from './engine.js';
import { groupLabel, type GroupInfo } from './round.js';
import { pickSample } from './sampler.js';
import { planStorm, reporterOf, stormSampleSize, type StormFold, type StormItem } from './storm.js';
import { groupOf, type GroupKey, type Health, type NocSettings } from './types.js';

/** One client an alert of a notification names, as the intake hands it over. */
export interface IntakeItem {
  serviceId: number;
  client: ClientRecord | null;
  alert: ExternalAlert;
}

/** What the storm handling needs of the watcher. */
export interface StormContext {
  engine(): NocEngine | null;
  clients(): Map<number, ClientRecord>;
  groups(): ReadonlyMap<GroupKey, GroupInfo>;
  factsOf(serviceId: number): ClientFacts | null;
  /** A client an alert names, known to the watcher from now on. */
  adopt(serviceId: number, client: ClientRecord | null): ClientRecord;
  /** One alert's client checked afresh, reported to the engine (its note held when `held` is given). */
  report(r: IntakeItem & { done: DoneState }, held: HeldNote[] | null): ReportOutcome;
  /** A fresh check in the watcher's paced queue; null when the watcher stopped first. */
  check(serviceId: number): Promise<DoneState | null>;
  /** Members a recovery left down, checked again soon. */
  recheck(serviceIds: number[]): void;
  stopped(): boolean;
  /** The engine's changes to the store and the outbox. */
  persist(): Promise<void>;
  today(): string;
  settings: NocSettings;
  clock: Clock;
  log: Logger;
}

export function createStormIntake(ctx: StormContext): { notification(items: readonly IntakeItem[]): Promise<ReportOutcome[]> } {
  const labelOf = (group: GroupKey, c: ClientRecord | undefined): string => ctx.groups().get(group)?.label ?? ctx.engine()?.incident(group)?.label ?? (c ? groupLabel(c, group) : group);

  type Item = StormItem & IntakeItem;

  /** The lines of a router that answered our sample are each their own question: checked and reported one by one. */
  const checkEach = async (items: readonly Item[], held: HeldNote[], outcomes: Map<number, ReportOutcome>) => {
    await Promise.all(
      items.map(async (it) => {
        const done = await ctx.check(it.serviceId);
        if (!done) throw new Error('stopping');
        outcomes.set(it.serviceId, ctx.report({ ...it, done }, held));
      }),
    );
  };

  /** Checks `ids` together and hands back what each found (the window of a folded router). */
  const sampleWindow = async (ids: readonly number[]) => {
    const dones = await Promise.all(ids.map((id) => ctx.check(id)));
    const out: { facts: ClientFacts; verdict: DoneState['verdict']; health: Health; done: DoneState }[] = [];
    for (const [i, done] of dones.entries()) {
      if (!done) throw new Error('stopping');
      const facts = ctx.factsOf(ids[i] as number);
      if (facts) out.push({ facts, verdict: done.verdict, health: healthOf(done), done });
    }
    return out;
  };

  const foldOf = (items: readonly Item[], skip: ReadonlySet<number>): AlertFold => {
    const first = items[0]?.alert;
    const shared = first && items.every((it) => it.alert.title === first.title) ? first.title : null;
    const by = first ? reporterOf({ source: first.source, title: shared }) : 'alerts';
    const now = ctx.clock.now();
    return {
      by,
      note: `${items.length} ${items.length === 1 ? 'client' : 'clients'} alerting (${by})`,
      members: items.filter((it) => !skip.has(it.serviceId)).map((it) => ({ serviceId: it.serviceId, name: ctx.clients().get(it.serviceId)?.name ?? '', verdict: null, health: 'unknown' as const, at: now })),
    };
  };

  /** The alerting clients of a folded router that may be sampled (not on a billing hold), and the sample: as a round picks it. */
  const sampleOfFold = (items: readonly Item[]) => {
    const day = ctx.today();
    const candidates = items.filter((it) => !onBillingHold(ctx.clients().get(it.serviceId) ?? bareClientRecord(it.serviceId, ''), day));
    const ids = pickSample(
      candidates.map((it) => ({ serviceId: it.serviceId, tracker: ctx.engine()?.tracker(`client:${it.serviceId}`) ?? null, lastStable: ctx.engine()?.clientTrack(it.serviceId)?.lastVerdict === 'stable' })),
      stormSampleSize(ctx.settings, candidates.length),
    );
    return { candidates, ids };
  };

  /** Several alerting clients of one router: a sample decides; one incident lists them all, or each line is checked. */
  const foldFiring = async (f: StormFold<Item>, held: HeldNote[], outcomes: Map<number, ReportOutcome>) => {
    const engine = ctx.engine();
    if (!engine) return;
    const group = f.group;
    if (engine.foldIntoIncident(group, foldOf(f.items, new Set()), ctx.clock.now())) {
      for (const it of f.items) outcomes.set(it.serviceId, 'joined');
      return;
    }
    const { candidates, ids } = sampleOfFold(f.items);
    const window = await sampleWindow(ids);
    const sampled = new Set(ids);
    const now = ctx.clock.now();
    // Another window (a round's confirmation, an earlier notification) may have opened it meanwhile.
    if (!engine.incident(group)) {
      const again = engine.groupWindow(group, labelOf(group, ctx.clients().get(f.items[0]?.serviceId ?? -1)), window, candidates.length, now, [], foldOf(f.items, sampled));
      ctx.recheck(again);
    }
    if (engine.incident(group)) {
      engine.foldIntoIncident(group, foldOf(f.items, sampled), now);
      for (const x of window) engine.clientVerdict(x.facts, x.verdict, x.health, now, { inWindow: true });
      for (const it of f.items) outcomes.set(it.serviceId, 'joined');
      const opened = engine.incident(group);
      if (opened && opened.openedAt === now) for (const it of f.items) outcomes.set(it.serviceId, 'opened');
      ctx.log.info({ group, alerts: f.items.length, sampled: ids.length, incident: opened?.id }, 'alert storm folded into one router incident');
      return;
    }
    // The router answers: the sender's alerts are about the lines themselves.
    for (const x of window) {
      const it = f.items.find((i) => i.serviceId === x.facts.serviceId);
      if (it) outcomes.set(it.serviceId, ctx.report({ ...it, done: x.done }, held));
    }
    ctx.log.info({ group, alerts: f.items.length, sampled: ids.length }, 'alert storm: the router answers; checking each alerting line');
    await checkEach(
      f.items.filter((it) => !sampled.has(it.serviceId)),
      held,
      outcomes,
    );
  };

  /** A router's alerts resolved: a sample re-checks it (the incident ends when it answers), one reply in the thread. */
  const foldResolved = async (f: StormFold<Item>, held: HeldNote[], outcomes: Map<number, ReportOutcome>) => {
    const engine = ctx.engine();
    if (!engine) return;
    const group = f.group;
    if (!engine.incident(group)) {
      // Nothing of the router's is open: only lines with an incident of their own need a look.
      const own = f.items.filter((it) => ctx.engine()?.incident(`client:${it.serviceId}`));
      for (const it of f.items) if (!own.includes(it)) outcomes.set(it.serviceId, 'no_incident');
      await checkEach(own, held, outcomes);
      return;
    }
    const { candidates, ids } = sampleOfFold(f.items);
    const window = await sampleWindow(ids);
    const now = ctx.clock.now();
    for (const x of window) engine.clientVerdict(x.facts, x.verdict, x.health, now, { inWindow: true });
    if (engine.incident(group)) {
      const again = engine.groupWindow(group, labelOf(group, undefined), window, Math.max(candidates.length, ctx.groups().get(group)?.candidates.length ?? 0), now);
      ctx.recheck(again);
    }
    const first = f.items[0]?.alert;
    const title = first && f.items.every((it) => it.alert.title === first.title) ? first.title : null;
    engine.groupResolved(group, { source: first?.source ?? '', title, alerts: f.items.length, checked: window.length, answer: window.filter((x) => x.health === 'up').length }, now);
    for (const it of f.items) outcomes.set(it.serviceId, 'posted');
  };

  /** One notification's alerts: folded per router, the rest one by one, lines that answer in one note. */
  const notification = async (items: readonly IntakeItem[]): Promise<ReportOutcome[]> => {
    const withGroups: Item[] = items.map((it) => {
      const c = ctx.adopt(it.serviceId, it.client);
      return { ...it, group: groupOf(c) };
    });
    const plan = planStorm(withGroups, ctx.settings.rollupMin);
    const held: HeldNote[] = [];
    const alerting = new Map<string, { label: string | null; count: number }>();
    for (const it of withGroups) {
      if (it.alert.status !== 'firing') continue;
      const key = it.group ?? '';
      const a = alerting.get(key) ?? { label: it.group ? labelOf(it.group, ctx.clients().get(it.serviceId)) : null, count: 0 };
      a.count++;
      alerting.set(key, a);
    }
    const outcomes = new Map<number, ReportOutcome>();
    const settled = await Promise.allSettled([
      checkEach(plan.singles, held, outcomes),
      ...plan.folds.map((f) => (f.status === 'firing' ? foldFiring(f, held, outcomes) : foldResolved(f, held, outcomes))),
    ]);
    const failed = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
    if (failed || ctx.stopped()) throw failed?.reason ?? new Error('stopping');
    ctx.engine()?.intakeSummary(held, alerting, ctx.clock.now());
    await ctx.persist();
    return items.map((it) => outcomes.get(it.serviceId) ?? 'no_incident');
  };

  return { notification };
}
