/**
 * The NOC's side of alert intake: alerts accepted by the hooks are written to the store (so a
 * restart picks them up), answered at once, and then the alerts of each notification are handed
 * to the watcher together, which checks them within the NOC's share of the budget (after
 * people's pings) and folds a router's worth of them into one sample and one incident (see
 * noc/storm.ts). Alerts for one client fold into one check, also across payloads while that
 * client's check runs.
 */
import type { ClientRecord } from '../core/client.js';
import { parseTarget } from '../directory/target.js';
import type { Directory } from '../directory/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { sanitizeOutsideText } from '../util/outside-text.js';
import { createSemaphore } from '../util/semaphore.js';
import type { ExternalAlert, ReportOutcome } from './engine.js';
import type { IntakeQueue as IntakeQueuePort } from '../store/ports.js';
import { IntakeFullError, MAX_ALERTS_PER_PAYLOAD, type AlertSink, type IntakeAlert, type IntakeSource } from './intake.js';
import type { ClientInventory } from './types.js';
import type { IntakeItem } from './watcher.js';

/** Where accepted alerts wait until checked (the store's intake queue, store/ports.ts). */
export type IntakeQueue = IntakeQueuePort<IntakeAlert>;

/** The watcher's entry points for external reports (see Watcher.intake). */
export interface ReportTarget {
  intake(items: readonly IntakeItem[], signal?: AbortSignal): Promise<ReportOutcome[]>;
  unmatched(r: { alert: ExternalAlert; target: string; problem: string }): Promise<void>;
}

export interface IntakeSinkDeps {
  queue: IntakeQueue;
  directory: Directory;
  watcher: ReportTarget;
  /** The NOC's client list: an alert naming a service id on it needs no look-up (a storm's hundreds of alerts, no request each). */
  inventory?: ClientInventory;
  clock: Clock;
  logger: Logger;
  /** Most alerts waiting at once; past it the hook answers 503 and the sender retries (default DEFAULT_MAX_PENDING). */
  maxPending?: number;
  /** Client look-ups at once (default 8). */
  concurrency?: number;
  /**
   * Uptime Kuma sends one webhook per monitor: its alerts are gathered this long (default 3 s,
   * like Alertmanager's `group_wait`) so a burst is folded as one notification.
   */
  gatherMs?: number;
}

export interface IntakeSink extends AlertSink {
  /** Picks up alerts accepted before a restart. */
  start(): Promise<void>;
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

type Row = { id: number; alert: IntakeAlert };

export function createIntakeSink(deps: IntakeSinkDeps): IntakeSink {
  const log = deps.logger.child({ component: 'intake' });
  const maxPending = deps.maxPending ?? DEFAULT_MAX_PENDING;
  const lookups = createSemaphore(deps.concurrency ?? 8);
  const stopper = new AbortController();
  /** Checks running, by client and status: a later alert for the same joins it. */
  const running = new Map<string, Work>();
  /** Rows taken from the store in this process (never handled twice). */
  const taken = new Set<number>();
  const all = new Set<Promise<void>>();

  const finish = async (ids: readonly number[]) => {
    if (stopper.signal.aborted) return;
    try {
      await deps.queue.done(ids, deps.clock.now());
    } catch (err) {
      log.error({ err, alerts: ids.length }, 'could not mark alerts done; they are checked again after a restart');
    }
    for (const id of ids) taken.delete(id);
  };

  /** The NOC's client list by service id, read once per notification (WispHub's and the simulator's are cached or local). */
  const listed = async (): Promise<Map<number, ClientRecord>> => {
    if (!deps.inventory) return new Map();
    try {
      return new Map((await deps.inventory.list({ signal: stopper.signal })).map((c) => [c.serviceId, c]));
    } catch (err) {
      if (!stopper.signal.aborted) log.warn({ err }, 'client list unavailable; looking alerted clients up one by one');
      return new Map();
    }
  };

  /** The alert's client: a service id (with its card when the list or the directory has it), or why not. */
  const resolve = async (alert: IntakeAlert, list: ReadonlyMap<number, ClientRecord>): Promise<{ serviceId: number; client: ClientRecord | null } | { problem: string }> => {
    const parsed = parseTarget(alert.target);
    if (!parsed.ok) return { problem: `target does not look like a client (${parsed.error})` };
    if (parsed.target.kind === 'service_id') {
      const card = list.get(parsed.target.serviceId);
      if (card) return { serviceId: card.serviceId, client: card };
    }
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

  /** The sender already has its 202: the reason goes to the log and, for a firing alert, one note (a wrong label gets noticed). */
  const unmatched = async (row: Row, problem: string) => {
    const { alert } = row;
    log.warn({ source: alert.source, alert: alert.title, why: problem }, 'alert names no client we can check; not checked');
    if (alert.status === 'firing') {
      const target = sanitizeOutsideText(alert.target).trim().slice(0, 60);
      await deps.watcher.unmatched({ alert: externalAlert(alert), target, problem });
    }
    await finish([row.id]);
  };

  /** The alerts of one notification (or those left from before a restart), handed to the watcher together. */
  const handle = async (rows: readonly Row[]): Promise<void> => {
    const list = await listed();
    const resolved = await Promise.all(rows.map(async (row) => ({ row, who: await resolve(row.alert, list) })));
    const fresh: (IntakeItem & { work: Work; key: string })[] = [];
    const joined: Promise<void>[] = [];
    for (const { row, who } of resolved) {
      if ('problem' in who) {
        await unmatched(row, who.problem);
        continue;
      }
      const key = `${who.serviceId}|${row.alert.status}`;
      const work = running.get(key);
      if (work) {
        // The same client alerted again (another rule, another sender, an earlier payload still checking).
        work.rows.push(row.id);
        joined.push(work.done);
        continue;
      }
      const own: Work = { rows: [row.id], done: Promise.resolve() };
      running.set(key, own);
      fresh.push({ serviceId: who.serviceId, client: who.client, alert: externalAlert(row.alert), work: own, key });
    }
    if (fresh.length > 0) {
      const batch = deps.watcher.intake(fresh, stopper.signal).then(async (outcomes) => {
        for (const [i, it] of fresh.entries()) {
          log.debug({ serviceId: it.serviceId, source: it.alert.source, status: it.alert.status, outcome: outcomes[i] }, 'alert checked');
          await finish(it.work.rows);
        }
        log.info({ alerts: fresh.length, outcomes: count(outcomes) }, 'alerts of one notification checked');
      });
      const settled = batch
        .catch((err: unknown) => {
          if (!stopper.signal.aborted) log.error({ err, alerts: fresh.length }, 'alerts not reported; kept for the next start');
        })
        .finally(() => {
          for (const it of fresh) running.delete(it.key);
        });
      for (const it of fresh) it.work.done = settled;
      joined.push(settled);
    }
    await Promise.all(joined);
  };

  /** Uptime Kuma alerts waiting for the rest of their burst. */
  let gathering: Row[] | null = null;
  const gather = (rows: readonly Row[]) => {
    if (gathering) {
      gathering.push(...rows);
      return;
    }
    const batch = [...rows];
    gathering = batch;
    const p = deps.clock
      .sleep(deps.gatherMs ?? 3000, stopper.signal)
      .then(
        () => {
          gathering = null;
          dispatch(batch);
        },
        () => undefined,
      );
    all.add(p);
    void p.finally(() => all.delete(p));
  };

  const dispatch = (rows: readonly Row[]) => {
    const mine = rows.filter((row) => !taken.has(row.id));
    if (mine.length === 0) return;
    for (const row of mine) taken.add(row.id);
    const p = handle(mine).catch((err: unknown) => {
      if (!stopper.signal.aborted) log.error({ err }, 'alert handling failed');
    });
    all.add(p);
    void p.finally(() => all.delete(p));
  };

  return {
    async accept(alerts) {
      if (stopper.signal.aborted) throw new Error('shutting down');
      const ids = await deps.queue.add(alerts, deps.clock.now(), maxPending);
      if (!ids) throw new IntakeFullError(`more than ${maxPending} alerts are waiting to be checked`);
      const rows = ids.map((id, i) => ({ id, alert: alerts[i] as IntakeAlert }));
      // One webhook per monitor: a burst becomes one notification. The others group their own.
      const kuma = rows.filter((r) => r.alert.source === 'uptime_kuma');
      if (kuma.length > 0) gather(kuma);
      if (kuma.length < rows.length) dispatch(rows.filter((r) => r.alert.source !== 'uptime_kuma'));
    },
    async start() {
      let rows: Row[];
      try {
        rows = await deps.queue.pending(maxPending);
      } catch (err) {
        log.error({ err }, 'could not read the alerts accepted before the restart');
        return;
      }
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
function externalAlert(alert: IntakeAlert): ExternalAlert {
  const oneLine = (s: string | null) => (s === null ? null : sanitizeOutsideText(s).replace(/ {2,}/g, ' ').trim() || null);
  return { status: alert.status, source: SOURCE_NAMES[alert.source], title: oneLine(alert.title), reason: oneLine(alert.reason), channel: alert.channel, lossPct: null, rttMs: null };
}

function count(outcomes: readonly ReportOutcome[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of outcomes) out[o] = (out[o] ?? 0) + 1;
  return out;
}
