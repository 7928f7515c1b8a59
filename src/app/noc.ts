import type { Config } from '../config.js';
import { isDiscordChannelId } from '../adapters/discord/ids.js';
import { isSlackChannelId } from '../adapters/slack/ids.js';
import { createNocChat, type NocChannel, type NocChat } from '../chat/noc-notifier.js';
import { createNocDesk, type NocLink } from '../chat/noc-desk.js';
import type { Access } from '../chat/access.js';
import type { HttpServer } from '../http/server.js';
import { mountHooks } from '../http/hooks.js';
import { createNocCommands, type NocCommands } from '../noc/commands.js';
import { createIntakeSink, type IntakeSink } from '../noc/intake-sink.js';
import { providerInventory, watchedClientsInventory } from '../noc/inventory.js';
import { renderNocMetrics } from '../noc/metrics.js';
import { createOutbox, type Outbox } from '../noc/outbox.js';
import { describeEvent } from '../present/noc.js';
import type { NocStore } from '../noc/store.js';
import type { ClientInventory, NocEvent, NocNotifier } from '../noc/types.js';
import { createWatcher, WatcherBusyError, type Watcher, type WatcherDeps, type WatcherStatus } from '../noc/watcher.js';
import { simInventory } from '../sim/inventory.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Core, PingopsDatabase } from './core.js';
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
 * only the clients watched one by one. Throws WatcherBusyError when another process has it.
 */
export async function startNoc(opts: {
  config: Config;
  core: Core;
  store: NocStore;
  clock: Clock;
  logger: Logger;
  notifier: NocNotifier;
  onRound?: WatcherDeps['onRound'];
}): Promise<RunningNoc> {
  const { config, core, store, clock, logger } = opts;
  const watched = watchedClientsInventory(core.directory, store);
  // The simulator's list carries the routers its scripted outages use.
  const inventory = core.simulated ? simInventory(clock) : providerInventory(core.api, watched);
  const outbox = createOutbox({ store, notifier: opts.notifier, clock, logger });
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
  /** Null when another process (a second bot, `pingops noc`) runs the watcher on this store. */
  running: RunningNoc | null;
  /** The incident buttons in chat; absent without a chat surface. */
  link?: NocLink;
  commands: NocCommands;
  /** Alert intake; null without HOOKS_TOKEN or without this process's watcher. */
  intake: IntakeSink | null;
  /** Prints NOC events and plan changes on a screen (the shell) from now on. */
  attachScreen(print: (text: string) => void): void;
  /** `/metrics` lines of the watcher ('' when it runs elsewhere). */
  metrics(): string;
  stop(): Promise<void>;
}

/**
 * Wires the NOC for the bot: the watcher (one per store), the named notifier pipeline (log,
 * screen, chat), the chat desk, the `/noc` commands, and the hooks on the HTTP server.
 */
export async function startBotNoc(o: { config: Config; core: Core; db: PingopsDatabase; http: HttpServer; access: Access; clock: Clock; logger: Logger }): Promise<BotNoc> {
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
          locale: config.locale,
          clock,
          logger,
        })
      : null;
  const notifier = notifierPipeline([logStage(logger, describe), screen, ...(chat ? [chatStage(chat)] : [])], logger);
  // One watcher per store: when another process has it, chat still runs.
  const running = await startNoc({ config, core, store, clock, logger, notifier, onRound: (s) => announcePlan(s, printPlan) }).catch((err: unknown) => {
    if (!(err instanceof WatcherBusyError)) throw err;
    logger.error({ err: err.message }, 'NOC watcher not started: another pingops watcher runs on this store');
    return null;
  });
  // Another process runs the watcher: it posts and redraws the incidents; this one only answers buttons.
  if (!running) chat?.stop();
  // The NOC channels count as places for admins' work (chat/access), as /ping's channels do.
  const nocChannelIds = [config.nocChannels.slack, config.nocChannels.discord].filter((c): c is string => c !== null);
  const link = chat
    ? createNocDesk({ watcher: running?.watcher ?? null, store, chat, checker: core.service, access: o.access, nocChannels: nocChannelIds, locale: config.locale, clock, logger })
    : undefined;
  const intake = mountIntake(config, o.http, running, core, o.db, clock, logger);
  const commands = createNocCommands({
    store,
    watcher: running?.watcher ?? null,
    inventory: running?.inventory ?? null,
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
    running,
    ...(link ? { link } : {}),
    commands,
    intake,
    attachScreen(print) {
      screen.attach(print);
      printPlan = print;
      lastPlan = '';
      if (running) announcePlan(running.watcher.status(), print);
    },
    metrics: () => (running ? renderNocMetrics(running.watcher.status()) : ''),
    async stop() {
      await intake?.stop();
      await running?.stop();
      chat?.stop();
    },
  };
}

/** Alert intake: only with HOOKS_TOKEN (else /hooks/... is 404). Alerts need this process's watcher. */
function mountIntake(config: Config, http: HttpServer, running: RunningNoc | null, core: Core, db: PingopsDatabase, clock: Clock, logger: Logger): IntakeSink | null {
  if (!config.hooks) return null;
  let intake: IntakeSink | null = null;
  if (running) {
    intake = createIntakeSink({ queue: db.intake, directory: core.directory, inventory: running.inventory, watcher: running.watcher, clock, logger });
  } else {
    logger.error({ component: 'hooks' }, 'HOOKS_TOKEN is set but the NOC watcher runs in another process: hooks answer 503');
  }
  const sink = intake ?? {
    accept: async () => {
      throw new Error('the NOC watcher runs in another process');
    },
  };
  mountHooks(http, { token: config.hooks.token, clientLabel: config.hooks.clientLabel, sink, logger });
  void intake?.start();
  logger.info({ component: 'hooks', paths: ['/hooks/alertmanager', '/hooks/uptime-kuma', '/hooks/check'], clientLabel: config.hooks.clientLabel }, 'alert hooks mounted');
  return intake;
}
