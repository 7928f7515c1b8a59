/**
 * The NOC's side of alert intake: alerts accepted by the hooks are written to the store (so a
 * restart picks them up), answered at once, and then each client is checked afresh at
 * interactive priority (a person's system is asking) and reported to the watcher, which opens
 * or joins the incident or notes that the line answers. Alerts for one client fold into one
 * check, also across payloads while that client's check runs.
 */
import type { DoneState } from '../core/check-state.js';
import type { ClientRecord } from '../core/client.js';
import type { PingChecker } from '../core/ping-service.types.js';
import { parseTarget } from '../directory/target.js';
import type { Directory } from '../directory/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { sanitizeOutsideText } from '../util/outside-text.js';
import { createSemaphore } from '../util/semaphore.js';
import type { ExternalAlert, ReportOutcome } from './engine.js';
import { IntakeFullError, MAX_ALERTS_PER_PAYLOAD, type AlertSink, type IntakeAlert, type IntakeSource } from './intake.js';

/** Where accepted alerts wait until checked (the store's `noc_intake`). */
export interface IntakeQueue {
  /** Adds the alerts in one transaction and returns their ids; null when `max` would be passed (nothing added). */
  add(alerts: readonly IntakeAlert[], now: number, max: number): number[] | null;
  /** Alerts not yet done, oldest first. */
  pending(limit: number): { id: number; alert: IntakeAlert }[];
  done(ids: readonly number[], now: number): void;
}

/** The watcher's entry point for an external report (see Watcher.report). */
export interface ReportTarget {
  report(r: { serviceId: number; client: ClientRecord | null; alert: ExternalAlert; done: DoneState }): Promise<ReportOutcome>;
  unmatched(r: { alert: ExternalAlert; target: string; problem: string }): Promise<void>;
}

export interface IntakeSinkDeps {
  queue: IntakeQueue;
  directory: Directory;
  checker: PingChecker;
  watcher: ReportTarget;
  clock: Clock;
  logger: Logger;
  /** Most alerts waiting at once; past it the hook answers 503 and the sender retries (default DEFAULT_MAX_PENDING). */
  maxPending?: number;
  /** Checks of alerted clients at once (default 8): people's own pings still find room in the queue. */
  concurrency?: number;
}

export interface IntakeSink extends AlertSink {
  /** Picks up alerts accepted before a restart. */
  start(): void;
  /** Stops: checks in flight are abandoned and their alerts stay in the store for the next start. */
  stop(): Promise<void>;
  /** Resolves once nothing is waiting or running (tests). */
  idle(): Promise<void>;
}

export { IntakeFullError };

/**
 * Alerts waiting at most, by default: four of the largest payloads a hook takes, so one group
 * always fits an empty queue (a smaller bound would refuse a real group for ever) and a few
 * senders' storms fit at once. Past it the store is truly full: 503, and the sender retries.
 */
export const DEFAULT_MAX_PENDING = 4 * MAX_ALERTS_PER_PAYLOAD;

const SOURCE_NAMES: Readonly<Record<IntakeSource, string>> = { alertmanager: 'Alertmanager', uptime_kuma: 'Uptime Kuma', check: 'Check request' };

interface Work {
  rows: number[];
  done: Promise<void>;
}

export function createIntakeSink(deps: IntakeSinkDeps): IntakeSink {
  const log = deps.logger.child({ component: 'intake' });
  const maxPending = deps.maxPending ?? DEFAULT_MAX_PENDING;
  const slots = createSemaphore(deps.concurrency ?? 8);
  const lookups = createSemaphore(deps.concurrency ?? 8);
  const stopper = new AbortController();
  /** Checks running, by client and status: a later alert for the same joins it. */
  const running = new Map<string, Work>();
  /** Rows taken from the store in this process (never handled twice). */
  const taken = new Set<number>();
  const all = new Set<Promise<void>>();

  const finish = (ids: readonly number[]) => {
    if (stopper.signal.aborted) return;
    try {
      deps.queue.done(ids, deps.clock.now());
    } catch (err) {
      log.error({ err, alerts: ids.length }, 'could not mark alerts done; they are checked again after a restart');
    }
    for (const id of ids) taken.delete(id);
  };

  /** The alert's client: a service id (with its card when the directory answers), or why not. */
  const resolve = async (alert: IntakeAlert): Promise<{ serviceId: number; client: ClientRecord | null } | { problem: string }> => {
    const parsed = parseTarget(alert.target);
    if (!parsed.ok) return { problem: `target does not look like a client (${parsed.error})` };
    const release = await lookups.acquire(stopper.signal);
    try {
      const r = await deps.directory.resolve(parsed.target, { signal: stopper.signal });
      switch (r.kind) {
        case 'found':
          return { serviceId: r.client.serviceId, client: r.client };
        case 'unverified':
          return { serviceId: r.serviceId, client: null };
        case 'not_found':
          return { problem: 'no such client' };
        case 'ambiguous':
          return { problem: `${r.matches.length} clients match` };
        case 'mismatch':
          return { problem: `the look-up answered client ${r.answered}` };
        case 'unavailable':
          return { problem: 'client look-up unavailable' };
      }
    } finally {
      release();
    }
  };

  const checkAndReport = async (serviceId: number, client: ClientRecord | null, alert: IntakeAlert): Promise<void> => {
    const release = await slots.acquire(stopper.signal);
    let done: DoneState;
    try {
      done = await deps.checker.check(serviceId, { priority: 'interactive', fresh: true, signal: stopper.signal }).done;
    } finally {
      release();
    }
    if (stopper.signal.aborted) throw new Error('stopping');
    const outcome = await deps.watcher.report({
      serviceId,
      client,
      done,
      alert: externalAlert(alert, done),
    });
    log.info({ serviceId, source: alert.source, status: alert.status, verdict: done.verdict, outcome }, 'alert checked');
  };

  const handle = async (row: { id: number; alert: IntakeAlert }): Promise<void> => {
    const { alert } = row;
    const who = await resolve(alert);
    if ('problem' in who) {
      // The sender already has its 202: the reason goes to the log and, for a firing alert, one
      // note to the NOC (a wrong label or tag would otherwise go unnoticed); the alert is done.
      log.warn({ source: alert.source, alert: alert.title, why: who.problem }, 'alert names no client we can check; not checked');
      if (alert.status === 'firing') {
        const target = sanitizeOutsideText(alert.target).trim().slice(0, 60);
        await deps.watcher.unmatched({ alert: externalAlert(alert, null), target, problem: who.problem });
      }
      finish([row.id]);
      return;
    }
    const key = `${who.serviceId}|${alert.status}`;
    const joined = running.get(key);
    if (joined) {
      joined.rows.push(row.id);
      log.info({ serviceId: who.serviceId, source: alert.source }, 'alert folded into the check already running for this client');
      return joined.done;
    }
    const work: Work = { rows: [row.id], done: Promise.resolve() };
    running.set(key, work);
    work.done = checkAndReport(who.serviceId, who.client, alert)
      .then(
        () => finish(work.rows),
        (err: unknown) => {
          if (!stopper.signal.aborted) {
            log.error({ err, serviceId: who.serviceId }, 'alert not reported; kept for the next start');
          }
        },
      )
      .finally(() => running.delete(key));
    return work.done;
  };

  const dispatch = (rows: readonly { id: number; alert: IntakeAlert }[]) => {
    for (const row of rows) {
      if (taken.has(row.id)) continue;
      taken.add(row.id);
      const p = handle(row).catch((err: unknown) => {
        if (!stopper.signal.aborted) log.error({ err }, 'alert handling failed');
      });
      all.add(p);
      void p.finally(() => all.delete(p));
    }
  };

  return {
    async accept(alerts) {
      if (stopper.signal.aborted) throw new Error('shutting down');
      const ids = deps.queue.add(alerts, deps.clock.now(), maxPending);
      if (!ids) throw new IntakeFullError(`more than ${maxPending} alerts are waiting to be checked`);
      dispatch(ids.map((id, i) => ({ id, alert: alerts[i] as IntakeAlert })));
    },
    start() {
      const rows = deps.queue.pending(maxPending);
      if (rows.length > 0) log.info({ alerts: rows.length }, 'checking alerts accepted before the restart');
      dispatch(rows);
    },
    async stop() {
      stopper.abort();
      await Promise.allSettled([...all]);
    },
    async idle() {
      while (all.size > 0) await Promise.allSettled([...all]);
    },
  };
}

/** The alert as the NOC reports it. Names from the sender are outside text: cleaned here, where they are read; each surface escapes them. */
function externalAlert(alert: IntakeAlert, done: DoneState | null): ExternalAlert {
  const oneLine = (s: string | null) => (s === null ? null : sanitizeOutsideText(s).replace(/ {2,}/g, ' ').trim() || null);
  return { status: alert.status, source: SOURCE_NAMES[alert.source], title: oneLine(alert.title), reason: oneLine(alert.reason), channel: alert.channel, lossPct: done?.lossPct ?? null, rttMs: done?.rttMs ?? null };
}
