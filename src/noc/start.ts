import type { Core } from '../app.js';
import type { Config } from '../config.js';
import { simInventory } from '../sim/inventory.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { providerInventory, watchedClientsInventory } from './inventory.js';
import { createOutbox, type Outbox } from './outbox.js';
import type { NocStore } from './store.js';
import type { ClientInventory, NocNotifier } from './types.js';
import { createWatcher, type Watcher, type WatcherDeps } from './watcher.js';

export interface RunningNoc {
  watcher: Watcher;
  outbox: Outbox;
  store: NocStore;
  /** The client list the watcher sweeps (also the routers and zones `/noc` suggests). */
  inventory: ClientInventory;
  stop(): Promise<void>;
}

/**
 * Starts the watcher and its outbox on a composition root's core and database. The client
 * list comes from the simulator when it serves the Ping API, else from the provider (WispHub's
 * cached list, the middleware's `/api/clients/`); an API with no list (the documented `v1`
 * middleware) sweeps only the clients watched one by one.
 */
export async function startNoc(opts: {
  config: Config;
  core: Core;
  /** The NOC's part of the process's one database. */
  store: NocStore;
  clock: Clock;
  logger: Logger;
  notifier: NocNotifier;
  inventory?: ClientInventory;
  onCheck?: WatcherDeps['onCheck'];
  onRound?: WatcherDeps['onRound'];
}): Promise<RunningNoc> {
  const { config, core, clock, logger } = opts;
  const store = opts.store;
  const watched = watchedClientsInventory(core.directory, store);
  // The simulator's list carries the routers its scripted outages use.
  const inventory = opts.inventory ?? (core.simulated ? simInventory(clock) : providerInventory(core.api, watched));
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
    ...(opts.onCheck ? { onCheck: opts.onCheck } : {}),
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

/** A notifier that only logs (the default destination until a chat channel is set). */
export function logNotifier(logger: Logger, describe: (e: Parameters<NocNotifier['deliver']>[0]) => string): NocNotifier {
  const log = logger.child({ component: 'noc-notify' });
  return {
    async deliver(event, outboxId) {
      log.info({ outboxId, event: event.kind, incident: 'incident' in event ? event.incident.id : undefined }, describe(event));
    },
  };
}
