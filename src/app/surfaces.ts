import { SHELL_PERSON_ID } from '../adapters/shell/shell.js';
import { createConversationEngine, type ConversationEngine, type EngineDeps } from '../chat/engine.js';
import type { ConversationFactory, Surface, SurfaceDeps } from '../chat/surface.js';
import type { Config } from '../config.js';
import type { GatewaySession } from '../adapters/discord/discord-surface.js';
import type { LeaseName } from '../store/ports.js';
import type { Led } from '../util/leadership.js';

/** What the conversations of every surface share: the core's checker and directory, the store, the rules. */
export type ConversationParts = Pick<EngineDeps, 'checker' | 'directory' | 'store' | 'clock' | 'logger' | 'polling' | 'access' | 'owners'>;

/**
 * The engine each chat surface runs on its own port: one set of rules (access, limits,
 * deadlines), written here once instead of in each adapter.
 */
export function conversations(parts: ConversationParts): ConversationFactory {
  return (port, pacing) => createConversationEngine({ ...parts, port, ...pacing });
}

/**
 * The shell's: one local person at a terminal, so the channel rules and the per-person limit
 * (for chat crowds) do not apply, and its checks are not resumed (the terminal is gone).
 */
export function shellConversations(parts: ConversationParts): ConversationFactory {
  return (port, pacing) =>
    createConversationEngine({ ...parts, port, ...pacing, access: { allowedChannels: [], admins: [SHELL_PERSON_ID], userRatePerMin: 1_000_000 }, resumable: false });
}

/** The same factory, keeping each engine it builds in `engines` (for /metrics). */
export function recorded(factory: ConversationFactory, engines: { surface: string; engine: ConversationEngine }[]): ConversationFactory {
  return (port, pacing) => {
    const engine = factory(port, pacing);
    engines.push({ surface: port.surface, engine });
    return engine;
  };
}

/** Runs `start` while this replica holds the named lease (util/leadership), on the store's lease rows. */
export type LeaseRunner = <T extends { stop(): Promise<void> }>(lease: LeaseName, runs: string, start: () => Promise<T>) => Led<T>;

/**
 * The chat surfaces the config asks for, one line each. Loaded on demand: a shell-only start
 * needs neither SDK. Discord's gateway runs under its own lease, `discord-gateway` (not the
 * NOC's), so the gateway and the NOC may sit on different replicas and neither waits for the other.
 */
export async function chatSurfaces(config: Config, deps: SurfaceDeps, leases?: LeaseRunner): Promise<Surface[]> {
  const surfaces: Surface[] = [];
  if (config.slack) surfaces.push((await import('../adapters/slack/slack-surface.js')).createSlackSurface({ ...deps, slack: config.slack }));
  if (config.discord) {
    const gateway = leases ? { gateway: (start: () => Promise<GatewaySession>) => leases('discord-gateway', 'the Discord gateway session', start) } : {};
    surfaces.push((await import('../adapters/discord/discord-surface.js')).createDiscordSurface({ ...deps, discord: config.discord, ...gateway }));
  }
  return surfaces;
}
