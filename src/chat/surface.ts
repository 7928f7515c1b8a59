import type { Config } from '../config.js';
import type { PingChecker } from '../core/ping-service.types.js';
import type { Directory } from '../directory/types.js';
import type { HttpServer } from '../http/server.js';
import type { NocCommands } from '../noc/commands.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { CheckStore } from '../store/ports.js';
import type { Access } from './access.js';
import type { NocLink } from './noc-desk.js';

/** What every chat surface is given by the composition root. */
export interface SurfaceDeps {
  config: Config;
  checker: PingChecker;
  directory: Directory;
  /** Every check, durable: restarts resume from it, buttons find their conversation in it. */
  store: CheckStore;
  clock: Clock;
  logger: Logger;
  /** The shared server on PORT; surfaces that receive webhooks mount their routes here. */
  http: HttpServer;
  /** NOC incidents in chat: the surface attaches its port at start and hands incident buttons here. */
  noc?: NocLink;
  /** The access rules shared by every surface and the NOC (one per-person limit); absent: the surface's own from `config.access`. */
  access?: Access;
  /** `/noc ...` (status, watch lists, silences); absent: the surface does not offer /noc. */
  nocCommands?: NocCommands | null;
}

/** A running chat surface (Slack, Discord, shell). */
export interface Surface {
  readonly name: string;
  start(): Promise<void>;
  /** Stops taking commands and lets checks in flight finish their final message (bounded). */
  stop(): Promise<void>;
}
