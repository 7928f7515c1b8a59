import { createDiscordSurface, type DiscordSurfaceOptions, type GatewayLease } from '../../../src/adapters/discord/discord-surface.js';
import { createCore, type Core } from '../../../src/app/core.js';
import { conversations } from '../../../src/app/surfaces.js';
import type { ConversationFactory, Surface } from '../../../src/chat/surface.js';
import type { ConversationEngine, TextRequest } from '../../../src/chat/engine.js';
import type { NocLink } from '../../../src/chat/noc-desk.js';
import type { Directory } from '../../../src/directory/types.js';
import type { NocCommands } from '../../../src/chat/noc-commands.js';
import { loadConfig, type Config } from '../../../src/config.js';
import { createAccess, type Access } from '../../../src/chat/access.js';
import { createHttpServer } from '../../../src/http/server.js';
import { systemClock, type Clock } from '../../../src/util/clock.js';
import { silentLogger, type Logger } from '../../../src/util/logger.js';
import { startFakeDiscord, FAKE_APP_ID, type FakeDiscord, type RestCall } from '../../fakes/fake-discord.js';

/** The real discord.js surface wired to the real core (simulator Ping API) and a fake Discord, all on 127.0.0.1. */
export interface Rig {
  fake: FakeDiscord;
  core: Core;
  config: Config;
  surface: Surface;
  close(): Promise<void>;
}

export const BOT_TOKEN = 'fake-bot-token';

/** Starts everything; the simulator runs fast and polls are short so a check ends in well under a second. */
export async function startRig(
  opts: {
    env?: Record<string, string>;
    surface?: DiscordSurfaceOptions;
    clock?: Clock;
    logger?: Logger;
    directory?: Directory;
    noc?: (core: Core, access: Access) => NocCommands;
    /** The gateway under a lease (replicas); absent: the surface logs in at start. */
    gateway?: GatewayLease;
    /** A fake shared with another rig (left open by close()); absent: one of its own. */
    fake?: FakeDiscord;
    /** The NOC's link: the surface attaches its port there at start. */
    nocLink?: NocLink;
    /** Called with each request the surface hands the engine, as it hands it over. */
    watchRequests?: (req: TextRequest) => void;
  } = {},
): Promise<Rig> {
  const fake = opts.fake ?? (await startFakeDiscord({ token: BOT_TOKEN }));
  const config = loadConfig({
    DISCORD_TOKEN: BOT_TOKEN,
    DISCORD_APPLICATION_ID: FAKE_APP_ID,
    DISCORD_API_URL: fake.apiUrl,
    LOCALE: 'en',
    PINGOPS_DB: ':memory:',
    SIM_SPEED: '50',
    PING_INITIAL_DELAY_MS: '50',
    PING_INTERVAL_MS: '100',
    PING_MAX_INTERVAL_MS: '200',
    PING_RESULT_CACHE_MS: '60000',
    ...opts.env,
  });
  const logger = opts.logger ?? silentLogger;
  const core = await createCore(config, logger);
  const access = createAccess(config.access);
  if (!config.discord) throw new Error('the rig needs Discord configured');
  const directory = opts.directory ?? core.directory;
  const clock = opts.clock ?? systemClock;
  const made = conversations({ checker: core.service, directory, store: core.db.checks, clock, logger, polling: config.polling, access });
  const watch = opts.watchRequests;
  const watched: ConversationFactory = watch
    ? (port, pacing) => {
        const engine = made(port, pacing);
        const seen = Object.create(engine) as ConversationEngine;
        seen.request = (req) => {
          watch(req);
          return engine.request(req);
        };
        return seen;
      }
    : made;
  const surface = createDiscordSurface(
    {
      discord: config.discord,
      conversations: watched,
      directory,
      locale: config.locale,
      clock,
      logger,
      http: createHttpServer(logger),
      ...(opts.noc ? { nocCommands: opts.noc(core, access) } : {}),
      ...(opts.gateway ? { gateway: opts.gateway } : {}),
      ...(opts.nocLink ? { noc: opts.nocLink } : {}),
    },
    { minEditIntervalMs: 50, ...opts.surface },
  );
  await surface.start();
  return {
    fake,
    core,
    config,
    surface,
    async close() {
      await surface.stop();
      await core.close();
      if (!opts.fake) await fake.close();
    },
  };
}

/** The parts of Discord's message JSON the tests read; absent parts fail the assertions that read them. */
export interface WireEmbed {
  title: string;
  description: string;
  color: number;
  fields: { name: string; value: string; inline?: boolean }[];
  footer: { text: string };
}
export interface WireMessage {
  content: string;
  embeds: WireEmbed[];
  components: { components: { custom_id: string; label: string; style: number }[] }[];
  allowed_mentions: { parse: string[]; users?: string[] };
  flags: number;
  name: string;
}
/** A REST body: a message, or an interaction callback wrapping one (or autocomplete choices). */
export interface WireBody extends WireMessage {
  type: number;
  data: WireMessage & { choices: { name: string; value: string }[] };
}

/** The JSON body of a call, as the parts the tests read. */
export function bodyOf(call: RestCall): WireBody {
  return call.body as WireBody;
}

/** Paths of one interaction's webhook (edits, follow-ups) and callback. */
export function routesOf(token: string) {
  const t = token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    callback: new RegExp(`^/interactions/\\d+/${t}/callback$`),
    original: new RegExp(`^/webhooks/${FAKE_APP_ID}/${t}/messages/@original$`),
    followUp: new RegExp(`^/webhooks/${FAKE_APP_ID}/${t}$`),
  };
}

/** Waits until the original reply of an interaction shows a final embed (no Cancel button), and returns every edit. */
export async function finalEdit(fake: FakeDiscord, token: string): Promise<RestCall> {
  const r = routesOf(token);
  return fake.waitForCall('PATCH', r.original, (c) => isFinal(c), 15_000);
}

/** A status edit is final once its components no longer offer Cancel. */
export function isFinal(c: RestCall): boolean {
  const b = bodyOf(c);
  const ids = (b.components ?? []).flatMap((row) => row.components.map((x) => x.custom_id));
  return Array.isArray(b.embeds) && b.embeds.length > 0 && !ids.some((id) => id.startsWith('pingops:cancel:'));
}
