/**
 * Alert storms, folded like sweeps: the alerts of one notification (an Alertmanager group, a
 * burst of Uptime Kuma monitors) grouped by router (zone where no router is known). A router
 * with several alerting clients is a NOC sample, not a list of checks: a few of them are checked
 * (the watcher's confirm rule and roll-up) and the rest follow through the router's incident.
 * Pure: the watcher runs the checks.
 */
import type { ExternalAlert } from './engine.js';
import type { GroupKey } from './types.js';

/** One client an alert of the notification is about. */
export interface StormItem {
  serviceId: number;
  group: GroupKey | null;
  alert: ExternalAlert;
}

/** Alerts of one router with one status, checked as a sample. */
export interface StormFold<T extends StormItem = StormItem> {
  group: GroupKey;
  status: ExternalAlert['status'];
  items: T[];
}

export interface StormPlan<T extends StormItem = StormItem> {
  folds: StormFold<T>[];
  /** Checked one by one, as a lone alert always was. */
  singles: T[];
}

/**
 * Splits a notification's alerts: `minFold` or more clients of one router with one status are
 * folded (fewer could never roll up to a router outage: `NOC_ROLLUP_MIN`), the rest stay single.
 * One item per client and status (the first): a client alerted by two rules is one line.
 */
export function planStorm<T extends StormItem>(items: readonly T[], minFold: number): StormPlan<T> {
  const seen = new Set<string>();
  const byGroup = new Map<string, { group: GroupKey; status: ExternalAlert['status']; items: T[] }>();
  const singles: T[] = [];
  for (const it of items) {
    const key = `${it.serviceId}|${it.alert.status}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (!it.group) {
      singles.push(it);
      continue;
    }
    const gk = `${it.group}|${it.alert.status}`;
    const g = byGroup.get(gk) ?? { group: it.group, status: it.alert.status, items: [] };
    g.items.push(it);
    byGroup.set(gk, g);
  }
  const folds: StormFold<T>[] = [];
  for (const g of byGroup.values()) {
    if (g.items.length >= Math.max(2, minFold)) folds.push(g);
    else singles.push(...g.items);
  }
  return { folds, singles };
}

/** How many clients of a folded router to check: the round's sample and its confirmations, never fewer than a roll-up needs. */
export function stormSampleSize(s: { sample: number; confirm: number; rollupMin: number }, alerting: number): number {
  return Math.min(alerting, Math.max(s.rollupMin, s.sample + s.confirm));
}

/** `Alertmanager: ClientLinkDown`: who reported a folded router. */
export function reporterOf(alert: Pick<ExternalAlert, 'source' | 'title'>): string {
  return `${alert.source}${alert.title ? `: ${alert.title}` : ''}`;
}
