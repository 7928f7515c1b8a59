import type { Directory } from '../directory/types.js';
import type { HttpServer } from '../http/server.js';
import type { HeldRequests } from './held-requests.js';
import type { NocCommands } from './noc-commands.js';
import type { Locale } from '../present/locale.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { ConversationEngine } from './engine.js';
import type { NocLink } from './noc-desk.js';
import type { ChatPort } from './port.js';
import type { EditBudget } from './live-message.types.js';

/** Runs a unit of follow-up work when the surface says so; settles like `work`. */
export type FollowUp = <T>(work: () => Promise<T>) => Promise<T>;

/** How a surface paces its conversations: its own edit rhythm and how many may open at once. */
export interface SurfacePacing {
  /** How often a running status is redrawn (0: only on state changes). */
  tickMs: number;
  /** Conversations posting their first messages at once (Slack: acks first). */
  openConcurrency?: number;
  /**
   * Where a request's I/O after its admission and parse runs (the look-up, the store, the first
   * posts). Discord holds it until the interactions in hand have their first answer
   * (chat/ack-first); default: at once. Refusals by access rules and by the words alone are
   * answered before it, so they stay a single private answer.
   */
  followUp?: FollowUp;
}

/**
 * The conversation engine on a surface's port. The assembly layer builds it (one set of rules:
 * access, limits, deadlines, the store); the surface only brings its port and pacing.
 */
export type ConversationFactory = (port: ChatPort, pacing: SurfacePacing) => ConversationEngine;

/** What every chat surface is given by the assembly layer (src/app/): no settings, no engine building. */
export interface SurfaceDeps {
  conversations: ConversationFactory;
  /** Client suggestions (Discord's autocomplete). */
  directory: Directory;
  /** The language of people whose platform says none (LOCALE). */
  locale: Locale;
  clock: Clock;
  logger: Logger;
  /** The shared server on PORT; surfaces that receive webhooks mount their routes here. */
  http: HttpServer;
  /** NOC incidents in chat: the surface attaches its port at start and hands incident buttons here. */
  noc?: NocLink;
  /** `/noc ...` (status, watch lists, silences); absent: the surface does not offer /noc. */
  nocCommands?: NocCommands | null;
  /**
   * An edit budget in the store, shared by every replica that asks for the same `name`
   * (chat/shared-edit-budget): for a platform whose edit limit is the workspace's (Slack).
   * Absent (a surface started on its own, in a test): an in-process bucket.
   */
  sharedEditBudget?: (o: { name: string; perMinute: number; setting: string }) => EditBudget;
  /**
   * Requests acknowledged and not yet taken up, held in the store for this replica
   * (chat/held-requests). Absent (the shell, a surface started on its own): not held.
   */
  heldRequests?: <B>(surface: string) => HeldRequests<B>;
}

/** A running chat surface (Slack, Discord, shell). */
export interface Surface {
  readonly name: string;
  start(): Promise<void>;
  /** Stops taking commands and lets checks in flight finish their final message (bounded). */
  stop(): Promise<void>;
}
