import type { Config, PingApiAuth } from '../config.js';
import { createPingService, type PingService } from '../core/ping-service.js';
import { loadScheduleLearner } from '../core/schedule-learner.js';
import { createDirectory } from '../directory/client-directory.js';
import type { Directory } from '../directory/types.js';
import { createPingApi } from '../pingapi/http-client.js';
import { createWispHubApi } from '../pingapi/wisphub/wisphub-client.js';
import { providerIdentity, type ProviderIdentity } from '../pingapi/identity.js';
import type { CallOptions, PingApi } from '../core/ping-api.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { createMetrics, type Metrics } from '../http/metrics.js';
import { Secret } from '../util/secret.js';
import { thisProcess } from '../util/replica.js';
import { createRequestQueue } from '../core/request-queue.js';
import { createSharedBudget } from '../core/shared-budget.js';
import { openDatabase } from '../store/open.js';
import { cardsOf, type Database } from '../store/ports.js';
import type { IntakeAlert } from '../noc/intake.js';
import type { NocModel } from '../noc/store.js';

/** The store as this program uses it: the NOC's and the intake's records filled in. */
export type PingopsDatabase = Database<{ noc: NocModel; alert: IntakeAlert }>;

/** The platform-free heart of the bot, shared by every surface and the CLI. */
export interface Core {
  api: PingApi;
  service: PingService;
  directory: Directory;
  /** The Ping API base URL in use (the simulator's when it was started). */
  apiUrl: string;
  /** Which API pingops talks to: the middleware or WispHub directly. */
  provider: 'middleware' | 'wisphub';
  /**
   * Who answers, as the shared store keys it (`pingapi/identity`): the kind, the URL and a
   * fingerprint of the credentials, or `sim:<dialect>` for the built-in simulator.
   */
  identity: ProviderIdentity;
  /**
   * For a long-running bot: loads WispHub's client list in the background so the first name
   * search is instant. Not for the CLI, where one check must not page through every client.
   */
  warmUp(): void;
  /** True when the built-in simulator serves the Ping API. */
  simulated: boolean;
  metrics: Metrics;
  /** The one database of the process (PINGOPS_DB): every store port, one connection. */
  db: PingopsDatabase;
  close(): Promise<void>;
}

export interface CoreOptions {
  /** A database opened by the caller (tests), left open by close(); by default PINGOPS_DB is opened. */
  db?: PingopsDatabase;
  /** This process's replica id (its checks' owner and lease holder); a new one by default (the CLI). */
  replica?: string;
  /** Replicas alive as last seen (the bot's heartbeat): sizes this one's share of the budget while the store is away. */
  liveReplicas?: () => number | null;
}

/**
 * Wires the provider (the middleware, or WispHub directly; the built-in simulator in the
 * configured dialect when neither is set), the directory and the service.
 */
export async function createCore(config: Config, logger: Logger, clock: Clock = systemClock, opts: CoreOptions = {}): Promise<Core> {
  // First, so a bad PINGOPS_DB stops the start before anything listens.
  const db: PingopsDatabase = opts.db ?? (await openDatabase(config, logger, clock));
  let apiUrl = config.wisphub?.url ?? config.pingApi.url;
  let auth: PingApiAuth = config.pingApi.auth;
  let wisphubKey: Secret | null = config.wisphub?.key ?? null;
  let closeSim: (() => Promise<void>) | null = null;
  const dialect = config.sim.dialect;
  if (!apiUrl) {
    // The simulator is loaded only when it runs: a real Ping API's start-up does not pay for it.
    const [{ startSimulator }, { createOutageScript }] = await Promise.all([import('../sim/server.js'), import('../sim/outages.js')]);
    const sim = await startSimulator({
      port: config.sim.port,
      dialect,
      shape: config.sim.shape,
      // WispHub always wants its key: the simulator makes one up.
      auth: dialect === 'wisphub' ? 'key' : config.sim.auth,
      speed: config.sim.speed,
      ...(config.sim.outages.length > 0 ? { outages: createOutageScript(config.sim.outages, clock.now()) } : {}),
      logger: logger.child({ component: 'sim' }),
    });
    apiUrl = sim.url;
    closeSim = () => sim.close();
    const { apiKey, username, password } = sim.credentials;
    if (dialect === 'wisphub' && apiKey) wisphubKey = new Secret(apiKey);
    else if (config.sim.auth === 'key' && apiKey) auth = { kind: 'key', header: 'X-API-Key', key: new Secret(apiKey) };
    else if (config.sim.auth === 'jwt' && username && password) auth = { kind: 'jwt', username, password: new Secret(password) };
    logger.info(
      { url: apiUrl, dialect, shape: config.sim.shape, auth: dialect === 'wisphub' ? 'key' : config.sim.auth },
      config.pingApi.simulatorAsked
        ? 'PING_API_URL=sim: started the built-in Ping API simulator'
        : 'PING_API_URL and WISPHUB_API_URL are not set: started the built-in Ping API simulator',
    );
    if (config.slack || config.discord) {
      logger.warn('chat is answered from the SIMULATOR: its clients and verdicts are made up; set PING_API_URL or WISPHUB_API_URL');
    }
  }
  const identity = closeSim
    ? providerIdentity({ kind: 'sim', dialect })
    : wisphubKey
      ? providerIdentity({ kind: 'wisphub', url: apiUrl, key: wisphubKey })
      : providerIdentity({ kind: 'middleware', url: apiUrl, auth });
  // PING_API_RATE_PER_MIN is the upstream's limit for the whole deployment: every replica (and
  // the CLI) draws from one bucket in the store, shaped so no 60 s window sees more than the
  // rate (core/request-budget); one bucket per upstream API.
  const shared = createSharedBudget({
    port: db.budget,
    name: `ping-api:${identity}`,
    ratePerMin: config.pingApi.ratePerMin,
    clock,
    logger,
    ...(opts.liveReplicas ? { liveReplicas: opts.liveReplicas } : {}),
  });
  const queue = createRequestQueue({
    perMinute: shared.shape.refillPerMin,
    burst: shared.shape.capacity,
    source: shared,
    clock,
    max: config.pingApi.queueMax,
    maxWaitMs: config.pingApi.queueMaxWaitMs,
  });
  // The client list's pages and the start-up route detection are neither polls nor creations:
  // a person waiting on a name search goes with people's polls, background loads go last.
  const budget = {
    take: (priority: 'high' | 'low', signal?: AbortSignal) =>
      priority === 'high' ? queue.take('poll', 'interactive', signal) : queue.take('create', 'background', signal),
  };
  let api: PingApi;
  let provider: Core['provider'];
  let warmUp = () => {};
  if (wisphubKey) {
    provider = 'wisphub';
    const wisphub = createWispHubApi({
      baseUrl: apiUrl,
      key: wisphubKey,
      timeoutMs: config.pingApi.timeoutMs,
      logger: logger.child({ component: 'wisphub' }),
      intermittentLossPct: config.pingApi.intermittentLossPct,
      clientsTtlMs: config.wisphub?.clientsTtlMs ?? 600_000,
      budget,
      clock,
    });
    warmUp = () => void wisphub.preloadClients();
    api = wisphub;
    logger.info({ provider }, 'talking to WispHub directly');
  } else {
    provider = 'middleware';
    const middleware = createPingApi({
      baseUrl: apiUrl,
      auth,
      timeoutMs: config.pingApi.timeoutMs,
      logger: logger.child({ component: 'pingapi' }),
      layout: config.pingApi.paths,
    });
    // Learn the route layout at start, so the log says it before anyone pings (errors retry on first use).
    void middleware.layout({ beforeRequest: (signal) => budget.take('low', signal), retries: 0 }).catch(() => {});
    api = middleware;
  }
  // Every request counts against the budget, look-ups and the start-up probe included (issue 16:
  // 150 people's look-ups at once went around it and the upstream saw 253 in a minute). A
  // person's look-up goes with people's creations (it comes just before one, first come first
  // served); the probe and the NOC's client list go last. Checks pass their own (polls first).
  api = inBudget(api, {
    lookup: (signal) => queue.take('create', 'interactive', signal),
    background: (signal) => budget.take('low', signal),
  });
  // A sped-up simulator finishes tasks sooner; poll around when its tasks really end.
  const speed = closeSim ? config.sim.speed : 1;
  const polling =
    speed === 1
      ? config.polling
      : {
          ...config.polling,
          packetMs: Math.max(1, Math.round(config.polling.packetMs / speed)),
          initialDelayMs: Math.round(config.polling.initialDelayMs / speed),
        };
  const metrics = createMetrics({ now: () => clock.now(), inFlight: () => service.inFlight });
  const planner = await loadScheduleLearner({
    // Tasks of another Ping API (another ISP, the simulator at another speed) last differently.
    provider: closeSim ? `sim-x${config.sim.speed}` : apiUrl,
    schedule: polling,
    now: () => clock.now(),
    port: db.durationModels,
    onSaveError: (err) => logger.warn({ component: 'store', err: (err as Error).message }, 'learned poll schedule not stored'),
  });
  const service = createPingService({
    api,
    clock,
    logger,
    polling,
    queue,
    planner,
    onDone: (state) => metrics.checkDone(state),
    // Two people on two replicas pinging one client get one task (core/flight-claims).
    claims: { port: db.flights, me: opts.replica ?? thisProcess().id, scope: identity },
    storedVerdict: (serviceId, packets, maxAgeMs) => db.results.get(identity, serviceId, packets, maxAgeMs, clock.now()),
    storeVerdict: (packets, state) => db.results.put(identity, packets, state, clock.now()),
  });
  const directory = createDirectory({
    api,
    clock,
    logger: logger.child({ component: 'directory' }),
    lookupTimeoutMs: config.pingApi.lookupTimeoutMs,
    cards: cardsOf(db.cards, identity),
  });
  return {
    api,
    service,
    directory,
    apiUrl,
    provider,
    identity,
    warmUp,
    simulated: closeSim !== null,
    metrics,
    db,
    async close() {
      await service.close();
      await closeSim?.();
      if (!opts.db) await db.close();
    },
  };
}

/** `api` with `beforeRequest` on every call that has none: nothing reaches the Ping API outside the request budget. */
export function inBudget(api: PingApi, take: { lookup: NonNullable<CallOptions['beforeRequest']>; background: NonNullable<CallOptions['beforeRequest']> }): PingApi {
  const using = (before: NonNullable<CallOptions['beforeRequest']>) => (o?: CallOptions): CallOptions => (o?.beforeRequest ? o : { ...o, beforeRequest: before });
  const lookup = using(take.lookup);
  const background = using(take.background);
  const listClients = api.listClients?.bind(api);
  return {
    createTask: (id, packets, o) => api.createTask(id, packets, lookup(o)),
    getResult: (taskId, o) => api.getResult(taskId, lookup(o)),
    clientByServiceId: (id, o) => api.clientByServiceId(id, lookup(o)),
    clientByDocument: (doc, o) => api.clientByDocument(doc, lookup(o)),
    clientByPhone: (phone, o) => api.clientByPhone(phone, lookup(o)),
    searchClients: (q, o) => api.searchClients(q, lookup(o)),
    health: (o) => api.health(background(o)),
    ...(listClients ? { listClients: (o?: CallOptions) => listClients(background(o)) } : {}),
  };
}
