import type { Config, PingApiAuth } from './config.js';
import { createPingService, type PingService } from './core/ping-service.js';
import { createDirectory } from './directory/client-directory.js';
import type { Directory } from './directory/types.js';
import { createPingApi } from './pingapi/http-client.js';
import type { PingApi } from './pingapi/types.js';
import { createOutageScript } from './sim/outages.js';
import { startSimulator } from './sim/server.js';
import { systemClock, type Clock } from './util/clock.js';
import type { Logger } from './util/logger.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import { Secret } from './util/secret.js';
import { createTokenBucket } from './util/token-bucket.js';

/** The platform-free heart of the bot, shared by every surface and the CLI. */
export interface Core {
  api: PingApi;
  service: PingService;
  directory: Directory;
  /** The Ping API base URL in use (the simulator's when it was started). */
  apiUrl: string;
  /** True when the built-in simulator serves the Ping API. */
  simulated: boolean;
  metrics: Metrics;
  close(): Promise<void>;
}

/** Wires the Ping API client (starting the simulator when PING_API_URL is unset), directory and service. */
export async function createCore(config: Config, logger: Logger, clock: Clock = systemClock): Promise<Core> {
  let apiUrl = config.pingApi.url;
  let auth: PingApiAuth = config.pingApi.auth;
  let closeSim: (() => Promise<void>) | null = null;
  if (!apiUrl) {
    const sim = await startSimulator({
      port: config.sim.port,
      shape: config.sim.shape,
      auth: config.sim.auth,
      speed: config.sim.speed,
      ...(config.sim.outages.length > 0 ? { outages: createOutageScript(config.sim.outages, clock.now()) } : {}),
      logger: logger.child({ component: 'sim' }),
    });
    apiUrl = sim.url;
    closeSim = () => sim.close();
    const { apiKey, username, password } = sim.credentials;
    if (config.sim.auth === 'key' && apiKey) auth = { kind: 'key', header: 'X-API-Key', key: new Secret(apiKey) };
    if (config.sim.auth === 'jwt' && username && password) auth = { kind: 'jwt', username, password: new Secret(password) };
    logger.info({ url: apiUrl, shape: config.sim.shape, auth: config.sim.auth }, 'PING_API_URL is not set: started the built-in Ping API simulator');
    if (config.slack || config.discord) {
      logger.warn('chat is answered from the SIMULATOR: its clients and verdicts are made up; set PING_API_URL to your Ping API');
    }
  }
  const api = createPingApi({ baseUrl: apiUrl, auth, timeoutMs: config.pingApi.timeoutMs, logger: logger.child({ component: 'pingapi' }) });
  // The upstream limit is per minute, so a quarter of it may go at once: a dozen people pinging
  // together start at once instead of queueing behind a burst of ten.
  const budget = createTokenBucket({ perMinute: config.pingApi.ratePerMin, burst: Math.max(1, Math.round(config.pingApi.ratePerMin / 4)), clock });
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
  const metrics = createMetrics(() => clock.now());
  const service = createPingService({ api, clock, logger, polling, budget, onDone: (state) => metrics.checkDone(state) });
  const directory = createDirectory({ api, clock, logger: logger.child({ component: 'directory' }) });
  return {
    api,
    service,
    directory,
    apiUrl,
    simulated: closeSim !== null,
    metrics,
    async close() {
      await service.close();
      await closeSim?.();
    },
  };
}
