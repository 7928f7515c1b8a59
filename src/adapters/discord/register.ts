import { DiscordAPIError, REST, Routes } from 'discord.js';
import type { Logger } from '../../util/logger.js';
import type { Secret } from '../../util/secret.js';
import { COMMANDS } from './commands.js';
import { describeDiscordError } from './errors.js';

/** Discord's own REST base, as discord.js's `rest.api` option defaults to. */
export const DEFAULT_DISCORD_API = 'https://discord.com/api';

export interface RegisterOptions {
  token: Secret;
  applicationId: string;
  /** One guild (instant) or null for global (may take a while to reach every client). */
  guildId: string | null;
  apiUrl: string | null;
  logger: Logger;
}

export interface RegisterResult {
  scope: 'guild' | 'global';
  commands: string[];
}

/** Replaces pingops's application commands (guild or global) with the current definitions. */
export async function registerCommands(opts: RegisterOptions): Promise<RegisterResult> {
  const scope = opts.guildId ? 'guild' : 'global';
  // No sweeper timers: this REST lives for one request and must not keep the CLI alive.
  const rest = new REST({ api: opts.apiUrl ?? DEFAULT_DISCORD_API, hashSweepInterval: 0, handlerSweepInterval: 0, retries: 1 });
  rest.setToken(opts.token.reveal());
  const route = opts.guildId
    ? Routes.applicationGuildCommands(opts.applicationId, opts.guildId)
    : Routes.applicationCommands(opts.applicationId);
  const log = opts.logger.child({ surface: 'discord', scope, guildId: opts.guildId, applicationId: opts.applicationId });
  try {
    const answer = (await rest.put(route, { body: COMMANDS })) as { name?: unknown }[];
    const commands = answer.map((c) => String(c.name));
    log.info({ commands }, 'discord commands registered');
    return { scope, commands };
  } catch (err) {
    log.error({ err: describeDiscordError(err) }, 'discord command registration failed');
    throw new Error(explain(err, opts));
  }
}

/** A message that tells the operator what to fix; never the token. */
function explain(err: unknown, opts: RegisterOptions): string {
  if (err instanceof DiscordAPIError) {
    if (err.status === 401) return 'Discord rejected DISCORD_TOKEN (401 Unauthorized): copy the bot token again from the Developer Portal.';
    if (err.status === 403) {
      return opts.guildId
        ? `Discord refused access to guild ${opts.guildId} (403): invite the bot with the "applications.commands" scope, and check DISCORD_GUILD_ID.`
        : 'Discord refused access (403): check that DISCORD_APPLICATION_ID belongs to this bot token.';
    }
    if (err.status === 404) return `Discord does not know application ${opts.applicationId} (404): check DISCORD_APPLICATION_ID.`;
    return `Discord answered ${err.status}: ${err.message}`;
  }
  const d = describeDiscordError(err);
  return `could not reach Discord at ${opts.apiUrl ?? DEFAULT_DISCORD_API}: ${d.message}`;
}
