import type { Config } from '../config.js';
import { isDiscordChannelId } from '../adapters/discord/ids.js';
import { isSlackChannelId } from '../adapters/slack/ids.js';
import { createNocChat, type NocChannel, type NocChat } from '../chat/noc-notifier.js';
import { createNocDesk, followLeaderSignals, type NocLink } from '../chat/noc-desk.js';
import type { Access } from '../chat/access.js';
import type { HttpServer } from '../http/server.js';
import { mountHooks } from '../http/hooks.js';
import { createNocCommands, type NocCommands } from '../chat/noc-commands.js';
import { createIntakeSink, storeOnlySink, type IntakeSink } from '../noc/intake-sink.js';
import type { AlertSink } from '../noc/intake.js';
import { goneOnThisHost, runWhileLeading, type Led } from '../util/leadership.js';
import type { ReplicaId } from '../util/replica.js';
import { providerInventory, watchedClientsInventory } from '../noc/inventory.js';
import { watcherRegistry, watchLeader } from '../noc/metrics.js';
import { createOutbox, type Outbox } from '../noc/outbox.js';
import { describeEvent } from '../present/noc.js';
import type { NocStore } from '../noc/store.js';
import type { LeaseName } from '../store/ports.js';
import { startRetention } from './retention.js';
import type { ClientInventory, NocEvent, NocNotifier } from '../noc/types.js';
import { createWatcher, type Watcher, type WatcherDeps, type WatcherStatus } from '../noc/watcher.js';
import { simInventory } from '../sim/inventory.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Core, PingopsDatabase } from './core.js';
import type { Registry } from 'prom-client';
import { chatStage, logStage, notifierPipeline, screenStage } from './notify.js';

export interface RunningNoc {
  watcher: Watcher;
  outbox: Outbox;
  store: NocStore;
  /** The client list the watcher sweeps (also the routers and zones `/noc` suggests). */
  inventory: ClientInventory;
  stop(): Promise<void>;
}

/**
 * Starts the watcher and its outbox on the core and the store. The client list comes from the
 * simulator when it serves the Ping API, else from the provider (WispHub's cached list, the
 * middleware's `/api/clients/`); an API with no list (the documented `v1` middleware) sweeps
 * only the clients watched one by one. The caller holds the lease (util/leadership).
 */
export async function startNoc(opts: {
  config: Config;
  core: Core;
  store: NocStore;
  clock: Clock;
  logger: Logger;
  notifier: NocNotifier;
  onRound?: WatcherDeps['onRound'];
  inventory?: ClientInventory;
  /** util/leadership's fence: false once this replica may no longer lead. */
  leads?: () => boolean;
}): Promise<RunningNoc> {
  const { config, core, store, clock, logger } = opts;
  const inventory = opts.inventory ?? nocInventory(core, store, clock);
  const outbox = createOutbox({ store, notifier: opts.notifier, clock, logger, ...(opts.leads ? { leads: opts.leads } : {}) });
  const watcher = createWatcher({
    checker: core.service,
    inventory,
    store,
    outbox,
    clock,
    logger,
    settings: config.noc,
    ratePerMin: config.pingApi.ratePerMin,
    lookupClient: (serviceId, signal) => core.directory.client(serviceId, { signal }),
    ...(opts.onRound ? { onRound: opts.onRound } : {}),
    ...(opts.leads ? { leads: opts.leads } : {}),
  });
  await watcher.start();
  return {
    watcher,
    outbox,
    store,
    inventory,
    async stop() {
      await watcher.stop();
      await outbox.stop();
    },
  };
}

/** The client list the watcher sweeps; the simulator's carries the routers its scripted outages use. */
export function nocInventory(core: Core, store: NocStore, clock: Clock): ClientInventory {
  return core.simulated ? simInventory(clock) : providerInventory(core.api, watchedClientsInventory(core.directory, store));
}

/** What the leader runs (util/leadership's work): the watcher with its outbox, the alert intake's checks, buttons from standbys. */
export interface LeaderNoc {
  running: RunningNoc;
  /** Null without HOOKS_TOKEN. */
  intake: IntakeSink | null;
  stop(): Promise<void>;
}

/** The NOC channel of each configured chat surface, and how to tell that surface's channel ids. One line per surface. */
export function nocChannels(config: Config, logger: Logger): NocChannel[] {
  const channels: NocChannel[] = [];
  if (config.slack) channels.push({ surface: 'slack', channel: config.nocChannels.slack, owns: isSlackChannelId });
  else if (config.nocChannels.slack) logger.warn({ component: 'noc' }, 'NOC_SLACK_CHANNEL is set but slack is not configured: no incidents go there');
  if (config.discord) channels.push({ surface: 'discord', channel: config.nocChannels.discord, owns: isDiscordChannelId });
  else if (config.nocChannels.discord) logger.warn({ component: 'noc' }, 'NOC_DISCORD_CHANNEL is set but discord is not configured: no incidents go there');
  return channels;
}

/** The bot's NOC: what the surfaces, the HTTP server and the shell get of it. */
export interface BotNoc {
  /** Leader or standby (util/leadership); the leader's work while this replica leads. */
  led: Led<LeaderNoc>;
  /** The incident buttons in chat; absent without a chat surface. */
  link?: NocLink;
  commands: NocCommands;
  /** Prints NOC events and plan changes on a screen (the shell) from now on. */
  attachScreen(print: (text: string) => void): void;
  /** Registers pingops_leader on the bot's registry. */
  watchLeader(registry: Registry): void;
  /** The watcher's `/metrics` series while this replica leads; nothing on a standby. */
  watcherMetrics(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Wires the NOC for the bot: the watcher (one per store), the named notifier pipeline (log,
 * screen, chat), the chat desk, the `/noc` commands, and the hooks on the HTTP server.
 */
export async function startBotNoc(o: { config: Config; core: Core; db: PingopsDatabase; http: HttpServer; access: Access; replica: ReplicaId; clock: Clock; logger: Logger }): Promise<BotNoc> {
  const { config, core, clock, logger } = o;
  const store = o.db.noc;
  const describe = (e: NocEvent) => describeEvent(e, config.locale);
  const screen = screenStage(describe);
  let lastPlan = '';
  // What the budget buys, said when it changes (the rate in it moves every round).
  const announcePlan = (s: WatcherStatus, print: ((text: string) => void) | null) => {
    const plan = s.summary.replace(/ at \d+ req\/min.*$/, '');
    if (s.watches.length === 0 || plan === lastPlan) return;
    lastPlan = plan;
    logger.info({ component: 'noc', plan: s.summary, stretched: s.stretched }, 'noc plan');
    print?.(`plan: ${s.summary}${s.stretched.length > 0 ? ` (stretched: ${s.stretched.join('; ')})` : ''}`);
  };
  let printPlan: ((text: string) => void) | null = null;
  // NOC incidents in chat: one root and one thread per incident on each configured surface
  // with a NOC channel (NOC_SLACK_CHANNEL, NOC_DISCORD_CHANNEL, or a watch entry's own).
  const channels = nocChannels(config, logger);
  const chat: NocChat | null =
    channels.length > 0
      ? createNocChat({
          store: o.db.nocMessages,
          channels,
          watches: () => store.listWatches(),
          openIncidents: () => store.incidents({ openOnly: true, limit: 200 }),
          recentIncidents: () => store.incidents({ openOnly: false, limit: 200 }),
          leads: () => led.role() === 'leader',
          locale: config.locale,
          clock,
          logger,
        })
      : null;
  const notifier = notifierPipeline([logStage(logger, describe), screen, ...(chat ? [chatStage(chat)] : [])], logger);
  const inventory = nocInventory(core, store, clock);
  // One leader per store (util/leadership): the watcher, the outbox, the intake's checks and the
  // buttons pressed on standbys run on the replica holding the lease; the others keep claiming it.
  const led: Led<LeaderNoc> = runWhileLeading<LeaderNoc, LeaseName>({
    store: o.db.leases,
    lease: 'noc',
    runs: 'the NOC watcher, outbox, intake and retention',
    holder: o.replica,
    isStale: goneOnThisHost,
    settings: config.lease,
    clock,
    logger,
    start: async (): Promise<LeaderNoc> => {
      const running = await startNoc({ config, core, store, clock, logger, notifier, inventory, onRound: (s) => announcePlan(s, printPlan), leads: (): boolean => led.holds() });
      const intake = config.hooks
        ? createIntakeSink({ queue: o.db.intake, directory: core.directory, inventory, watcher: running.watcher, clock, logger, pollEveryMs: config.lease.renewMs })
        : null;
      void intake?.start();
      const buttons = followLeaderSignals({ signals: o.db.signals, watcher: running.watcher, clock, logger, everyMs: Math.min(1000, config.lease.renewMs) });
      // Once a day between all replicas, not once per replica (app/retention).
      const retention = startRetention({ store: o.db.checks, retentionDays: config.store.retentionDays, clock, logger });
      return {
        running,
        intake,
        async stop() {
          await retention.stop();
          await buttons.stop();
          await intake?.stop();
          await running.stop();
        },
      };
    },
  });
  const watcherNow = () => led.current()?.running.watcher ?? null;
  const watcherSeries = watcherRegistry(() => watcherNow()?.status() ?? null);
  // The NOC channels count as places for admins' work (chat/access), as /ping's channels do.
  const nocChannelIds = [config.nocChannels.slack, config.nocChannels.discord].filter((c): c is string => c !== null);
  const link = chat
    ? createNocDesk({ watcher: watcherNow, signals: o.db.signals, store, chat, checker: core.service, access: o.access, nocChannels: nocChannelIds, locale: config.locale, clock, logger })
    : undefined;
  mountIntake(config, o.http, led, o.db, clock, logger);
  const commands = createNocCommands({
    store,
    watcher: watcherNow,
    inventory,
    directory: core.directory,
    admins: config.access.admins,
    access: o.access,
    nocChannels: nocChannelIds,
    defaultIntervalMs: config.noc.intervalMs,
    roundMinMs: config.noc.roundMinMs,
    clock,
    logger,
  });
  return {
    led,
    ...(link ? { link } : {}),
    commands,
    attachScreen(print) {
      screen.attach(print);
      printPlan = print;
      lastPlan = '';
      const watcher = watcherNow();
      if (watcher) announcePlan(watcher.status(), print);
    },
    watchLeader: (registry) => watchLeader(registry, () => led.role()),
    watcherMetrics: async () => (watcherNow() ? watcherSeries.metrics() : ''),
    async stop() {
      await led.stop();
      chat?.stop();
    },
  };
}

/**
 * Alert intake: only with HOOKS_TOKEN (else /hooks/... is 404). Every replica stores what it
 * accepts and answers 202; the leader checks it (its sink also reads what standbys stored).
 */
function mountIntake(config: Config, http: HttpServer, led: Led<LeaderNoc>, db: PingopsDatabase, clock: Clock, logger: Logger): void {
  if (!config.hooks) return;
  const storeOnly = storeOnlySink({ queue: db.intake, clock });
  const sink: AlertSink = { accept: (alerts) => (led.current()?.intake ?? storeOnly).accept(alerts) };
  mountHooks(http, { token: config.hooks.token, clientLabel: config.hooks.clientLabel, sink, logger });
  logger.info({ component: 'hooks', paths: ['/hooks/alertmanager', '/hooks/uptime-kuma', '/hooks/check'], clientLabel: config.hooks.clientLabel }, 'alert hooks mounted');
}
