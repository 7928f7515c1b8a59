/**
 * `pingops watch add|remove|list|silence`, `pingops noc status` and `pingops noc [--demo]`.
 * The watch list lives in the store (PINGOPS_DB): a bot running on the same file picks a
 * change up at its next round, within one interval.
 */
import type { Config } from '../config.js';
import { createNocView, type NocView } from '../adapters/shell/noc-view.js';
import { intervalProblem, type NocCliCommand } from '../noc/cli-args.js';
import { describeEvent, describeStatus } from '../present/noc.js';
import type { NocSettings, WatchKind } from '../noc/types.js';
import type { WatcherStatus } from '../noc/watcher.js';
import { parseOutages } from '../sim/outages.js';
import { openDatabase } from '../store/open.js';
import type { NocStore } from '../noc/store.js';
import type { LeaseHolder, LeaseName } from '../store/ports.js';
import { systemClock } from '../util/clock.js';
import { formatDuration, formatUntil } from '../util/duration.js';
import type { Logger } from '../util/logger.js';
import { createCore, type PingopsDatabase } from './core.js';
import { startNoc, type RunningNoc } from './noc.js';
import { notifierPipeline, screenStage } from './notify.js';
import { goneOnThisHost, runWhileLeading, thisProcess, type Led } from '../util/leadership.js';
import { pidSpace } from '../util/replica.js';

const label = (kind: WatchKind, ref: number | null) => (kind === 'all' ? 'all' : `${kind}:${ref}`);

/** The demo: two routers and two clients of the simulator, a script that plays in about two minutes. */
export const DEMO = {
  outages: 'router:91@20s+60s,client:1006@10s+120s~20s',
  watches: [
    { kind: 'router', ref: 91 },
    { kind: 'router', ref: 82 },
    { kind: 'client', ref: 1006 },
    { kind: 'client', ref: 1003 },
  ] as { kind: WatchKind; ref: number }[],
  settings: {
    intervalMs: 20_000,
    roundMinMs: 10_000,
    quickConfirmMs: 5_000,
    repeatMs: 60_000,
    flapWindowMs: 120_000,
  } satisfies Partial<NocSettings>,
  durationMs: 120_000,
  ratePerMin: 600,
  speed: 2,
};

export async function runNocCommand(cmd: NocCliCommand, config: Config, logger: Logger, out: NodeJS.WriteStream = process.stdout): Promise<number> {
  if (cmd.kind === 'noc') return runLive(cmd.demo, config, logger, out);
  const db: PingopsDatabase = await openDatabase(config, logger);
  try {
    const store = db.noc;
    const now = Date.now();
    switch (cmd.kind) {
      case 'watch_add': {
        const tooShort = cmd.intervalMs === null ? null : intervalProblem(cmd.intervalMs, config.noc.roundMinMs);
        if (tooShort) {
          out.write(`${tooShort}\n`);
          return 2;
        }
        if (cmd.target.kind === 'name') {
          out.write(`Name the client by its service id here (pingops check "${cmd.target.query}" finds it); /noc in chat and the shell resolve names.\n`);
          return 2;
        }
        const e = await store.addWatch({ kind: cmd.target.kind, ref: cmd.target.ref, intervalMs: cmd.intervalMs ?? config.noc.intervalMs, channel: null }, now);
        out.write(`Watching ${label(e.kind, e.ref)} every ${formatDuration(e.intervalMs)} (a running bot picks it up within one interval).\n`);
        return 0;
      }
      case 'watch_remove': {
        const removed = await store.removeWatch(cmd.target.kind, cmd.target.ref);
        out.write(removed ? `No longer watching ${label(cmd.target.kind, cmd.target.ref)}.\n` : `${label(cmd.target.kind, cmd.target.ref)} was not watched.\n`);
        return removed ? 0 : 3;
      }
      case 'watch_list': {
        const list = await store.listWatches();
        if (list.length === 0) out.write('Watching nothing. Add with: npx pingops watch add <client|router:N|zone:N|all> [every 5m]\n');
        for (const w of list) out.write(`${label(w.kind, w.ref)} every ${formatDuration(w.intervalMs)}\n`);
        for (const s of await store.silences(now)) out.write(`silenced: ${s.scope} until ${formatUntil(s.until, now)}${s.reason ? ` (${s.reason})` : ''}\n`);
        return 0;
      }
      case 'watch_silence': {
        await store.addSilence({ scope: cmd.scope, until: now + cmd.durationMs, reason: cmd.reason, createdAt: now });
        out.write(`Silenced ${cmd.scope} for ${formatDuration(cmd.durationMs)} (until ${formatUntil(now + cmd.durationMs, now)}): no new alerts; tracking goes on, and an incident alerted before still gets its recovery. Lift it with: npx pingops watch unsilence ${cmd.scope}\n`);
        return 0;
      }
      case 'watch_unsilence': {
        const lifted = await store.removeSilences(cmd.scope, now);
        out.write(lifted > 0 ? `Lifted the silence on ${cmd.scope}: a running bot sends new alerts again from its next round.\n` : `${cmd.scope} was not silenced.\n`);
        return lifted > 0 ? 0 : 3;
      }
      case 'noc_status': {
        const status = (await store.getMeta('status')) as WatcherStatus | null;
        if (!status) {
          out.write('The watcher has not run on this store yet (start the bot with `npm start`, or try `npx pingops noc --demo`).\n');
          const list = await store.listWatches();
          for (const w of list) out.write(`  watching ${label(w.kind, w.ref)} every ${formatDuration(w.intervalMs)}\n`);
          return 0;
        }
        // The running watcher's view at its last round; incidents and silences as they are now.
        const live: WatcherStatus = { ...status, open: await store.incidents({ openOnly: true, limit: 100 }), silences: await store.silences(now), watches: await store.listWatches() };
        const age = now - status.at;
        if (age > Math.max(2 * status.plannedRoundMs, 120_000)) out.write(`(the watcher was last seen ${formatDuration(age)} ago: is the bot running?)\n`);
        out.write(`${describeStatus(live, now)}\n`);
        return 0;
      }
    }
  } finally {
    await db.close();
  }
}

/** `pingops noc [--demo]`: the watcher in the terminal, until Ctrl+C (the demo ends by itself). */
async function runLive(demo: boolean, base: Config, logger: Logger, out: NodeJS.WriteStream): Promise<number> {
  let config = base;
  if (demo) {
    const outages = parseOutages(DEMO.outages);
    if (!outages.ok) throw new Error(outages.error);
    // The demo always runs on the simulator, in memory, with short durations.
    config = {
      ...base,
      pingApi: { ...base.pingApi, url: null, ratePerMin: DEMO.ratePerMin },
      sim: { ...base.sim, outages: outages.rules, speed: DEMO.speed },
      noc: { ...base.noc, ...DEMO.settings },
      store: { ...base.store, path: ':memory:' },
    };
  }
  const clock = systemClock;
  const core = await createCore(config, logger, clock);
  const store = core.db.noc;
  const view = createNocView(out, Boolean(out.isTTY));
  if (demo) {
    for (const w of DEMO.watches) await store.addWatch({ kind: w.kind, ref: w.ref, intervalMs: config.noc.intervalMs, channel: null }, clock.now());
    view.event(
      `demo: router 91 (RB-9.1) loses its uplink at 0:20 for a minute, client 1006 flaps from 0:10, client 1003 is suspended (stays quiet); ends after ${formatDuration(DEMO.durationMs)}`,
    );
  }
  // The terminal view is this process's one destination.
  const screen = screenStage(describeEvent);
  screen.attach((text) => view.event(text));
  // One claim decides: a bot leading this store is followed read-only instead of waited for.
  const holder = thisProcess();
  const first = await core.db.leases.claim('noc', holder, clock.now(), config.lease.ttlMs, goneOnThisHost);
  const led: Led<RunningNoc> | null = first.ok
    ? runWhileLeading<RunningNoc, LeaseName>({
        store: core.db.leases,
        lease: 'noc',
        runs: 'the NOC watcher',
        holder,
        isStale: goneOnThisHost,
        settings: config.lease,
        clock,
        logger,
        start: (): Promise<RunningNoc> =>
          startNoc({
            config,
            core,
            store,
            clock,
            logger,
            notifier: notifierPipeline([screen], logger),
            onRound: (s) => view.status(s),
            leads: (): boolean => led?.holds() ?? false,
          }),
      })
    : null;
  await led?.led();
  if (!led) {
    // The bot already watches this store: show its view (read from the store) instead of a second watcher.
    view.event(`${leaderText(first.ok ? null : first.holder)} runs the watcher on this store: following it read-only`);
    await followStore(store, view);
    await core.close();
    return 0;
  }
  let last = led.current()?.watcher.status() ?? null;
  const refresh = setInterval(() => {
    last = led.current()?.watcher.status() ?? last;
    if (last) view.status(last);
  }, 1000);
  await new Promise<void>((resolve) => {
    const timer = demo
      ? setTimeout(() => {
          view.event(`demo over after ${formatDuration(DEMO.durationMs)}: the watcher stopped (npx pingops noc watches your own store until Ctrl+C)`);
          resolve();
        }, DEMO.durationMs)
      : null;
    for (const sig of ['SIGTERM', 'SIGINT'] as const)
      process.once(sig, () => {
        if (timer) clearTimeout(timer);
        resolve();
      });
  });
  clearInterval(refresh);
  last = led.current()?.watcher.status() ?? last;
  await led.stop();
  if (last) view.status(last);
  view.close();
  await core.close();
  return 0;
}

/** Who leads, as `pingops noc` says it: the pid, and the host when it is another pid space's (a pid alone means nothing there). */
export function leaderText(holder: LeaseHolder | null, here: string = pidSpace()): string {
  if (!holder) return 'the bot (pid ?)';
  return holder.host === here ? `the bot (pid ${holder.pid})` : `the bot (pid ${holder.pid} on ${holder.host.split('/')[0] ?? holder.host})`;
}

/** The read-only live view: the running watcher's status and the outbox's events, every 2 s, until Ctrl+C. */
async function followStore(store: NocStore, view: NocView): Promise<void> {
  let lastId = 0;
  let first = true;
  const poll = async () => {
    const seen: { id: number; line: string }[] = [];
    for (;;) {
      const page = await store.eventsAfter(lastId, 500);
      if (page.length === 0) break;
      for (const e of page) seen.push({ id: e.id, line: describeEvent(e.event) });
      lastId = page.at(-1)?.id ?? lastId;
    }
    // On the first read, only the newest few: the history can be a week long.
    for (const e of first ? seen.slice(-10) : seen) view.event(e.line);
    first = false;
    const status = (await store.getMeta('status')) as WatcherStatus | null;
    if (status) view.status({ ...status, open: await store.incidents({ openOnly: true, limit: 100 }), silences: await store.silences(Date.now()), watches: await store.listWatches() });
  };
  let stop = false;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => (stop = true));
  while (!stop) {
    await poll();
    await new Promise((r) => setTimeout(r, 2000));
  }
  view.close();
}
