import 'dotenv/config';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore } from './app.js';
import { loadConfigOrReport } from './config.js';
import type { Surface, SurfaceDeps } from './chat/surface.js';
import { runShell } from './adapters/shell/shell.js';
import { mountHooks } from './http/hooks.js';
import { createHttpServer } from './http/server.js';
import { renderStoreMetrics } from './http/metrics.js';
import { systemClock } from './util/clock.js';
import { createLogger, type Logger } from './util/logger.js';
import { renderNocMetrics } from './noc/metrics.js';
import { describeEvent } from './present/noc.js';
import { startNoc } from './noc/start.js';
import { WatcherBusyError, type WatcherStatus } from './noc/watcher.js';
import { createNocChat, type NocSurface } from './chat/noc-notifier.js';
import { createNocDesk } from './chat/noc-desk.js';
import { createAccess } from './chat/access.js';
import { createIntakeSink, type IntakeSink } from './noc/intake-sink.js';
import { createNocCommands } from './noc/commands.js';

/** How long checks in flight may take to finish their messages on shutdown. */
const SHUTDOWN_GRACE_MS = 5000;

async function main(): Promise<number> {
  const config = loadConfigOrReport((text) => process.stderr.write(text));
  if (!config) return 3;
  const chat = config.slack !== null || config.discord !== null;
  if (chat && config.pingApi.url === null && config.wisphub === null && !config.pingApi.simulatorAsked) {
    // Real people would get made-up verdicts: the simulator only when asked for by name.
    process.stderr.write(
      'pingops: PING_API_URL is not set, but Slack or Discord is: set PING_API_URL to your Ping API (e.g. https://ping.example.net) or WISPHUB_API_URL and WISPHUB_API_KEY to WispHub, or PING_API_URL=sim to answer chat from the built-in simulator, whose clients and verdicts are made up.\n',
    );
    return 3;
  }
  const interactive = !chat && Boolean(process.stdin.isTTY && process.stdout.isTTY);
  // A person at the shell must not read JSON between prompts: the logs go to a file instead.
  const logFile = interactive ? join(tmpdir(), `pingops-${process.pid}.log`) : null;
  const logger = createLogger(config.logLevel, logFile ?? 2);
  // A library's stray rejection must not take every surface down with it: log it, keep serving.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection (kept running)'));
  // A thrown exception nobody caught leaves the process in an unknown state: log it, let the supervisor restart us.
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception; exiting');
    process.exit(1);
  });
  const clock = systemClock;
  const core = await createCore(config, logger, clock);
  core.warmUp();
  // The NOC watcher: its events go to the log, at the shell to the screen, and to the NOC channels.
  const db = core.db;
  let printNotice: ((text: string) => void) | null = null;
  let lastPlan = '';
  // What the budget buys, said when it changes (the rate in it moves every round).
  const announcePlan = (s: WatcherStatus) => {
    const plan = s.summary.replace(/ at \d+ req\/min.*$/, '');
    if (s.watches.length === 0 || plan === lastPlan) return;
    lastPlan = plan;
    logger.info({ component: 'noc', plan: s.summary, stretched: s.stretched }, 'noc plan');
    printNotice?.(`plan: ${s.summary}${s.stretched.length > 0 ? ` (stretched: ${s.stretched.join('; ')})` : ''}`);
  };
  // NOC incidents in chat (issue 11): one root and one thread per incident on each configured
  // surface with a NOC channel (NOC_SLACK_CHANNEL, NOC_DISCORD_CHANNEL, or a watch entry's own).
  const nocSurfaces: NocSurface[] = [...(config.slack ? (['slack'] as const) : []), ...(config.discord ? (['discord'] as const) : [])];
  for (const s of ['slack', 'discord'] as const) {
    if (config.nocChannels[s] && !nocSurfaces.includes(s)) logger.warn({ component: 'noc' }, `NOC_${s.toUpperCase()}_CHANNEL is set but ${s} is not configured: no incidents go there`);
  }
  const nocStore = db.noc;
  const nocChat =
    nocSurfaces.length > 0
      ? createNocChat({
          store: db.nocMessages,
          surfaces: nocSurfaces,
          channels: config.nocChannels,
          watches: () => nocStore.listWatches(),
          openIncidents: () => nocStore.incidents({ openOnly: true, limit: 200 }),
          recentIncidents: () => nocStore.incidents({ openOnly: false, limit: 200 }),
          locale: config.locale,
          clock,
          logger,
        })
      : null;
  /** Events already told to the log and the shell (a chat retry must not print them again). */
  const told = new Set<number>();
  // One watcher per store: when another process (a second bot, `pingops noc`) has it, chat still runs.
  const noc = await startNoc({
    config,
    core,
    store: nocStore,
    clock,
    logger,
    onRound: (s) => announcePlan(s),
    notifier: {
      async deliver(event, outboxId) {
        if (!told.has(outboxId)) {
          told.add(outboxId);
          if (told.size > 10_000) told.delete(told.values().next().value as number);
          const text = describeEvent(event, config.locale);
          logger.info({ component: 'noc-notify', outboxId, event: event.kind, incident: 'incident' in event ? event.incident.id : undefined }, text);
          printNotice?.(text);
        }
        await nocChat?.deliver(event, outboxId);
      },
    },
  }).catch((err: unknown) => {
    if (!(err instanceof WatcherBusyError)) throw err;
    logger.error({ err: err.message }, 'NOC watcher not started: another pingops watcher runs on this store');
    return null;
  });
  // Another process runs the watcher: it posts and redraws the incidents; this one only answers buttons.
  if (!noc) nocChat?.stop();
  const http = createHttpServer(logger.child({ component: 'http' }));
  http.watchStore(() => db.health());
  http.mount('/metrics', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : core.metrics.render(core.service.inFlight) + renderStoreMetrics(db.health()) + (noc ? renderNocMetrics(noc.watcher.status()) : ''));
  });
  // One set of access rules for every surface, /noc and the incident buttons: one per-person limit.
  const access = createAccess(config.access);
  const nocChannels = [config.nocChannels.slack, config.nocChannels.discord].filter((c): c is string => c !== null);
  const nocLink = nocChat
    ? createNocDesk({ watcher: noc?.watcher ?? null, store: nocStore, chat: nocChat, checker: core.service, access, nocChannels, locale: config.locale, clock, logger })
    : undefined;
  // Alert intake: only with HOOKS_TOKEN (else /hooks/... is 404). Alerts need this process's watcher.
  let intake: IntakeSink | null = null;
  if (config.hooks) {
    if (noc) {
      intake = createIntakeSink({ queue: db.intake, directory: core.directory, inventory: noc.inventory, watcher: noc.watcher, clock, logger });
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
  }
  const nocCommands = createNocCommands({
    store: nocStore,
    watcher: noc?.watcher ?? null,
    inventory: noc?.inventory ?? null,
    directory: core.directory,
    admins: config.access.admins,
    access,
    nocChannels,
    defaultIntervalMs: config.noc.intervalMs,
    roundMinMs: config.noc.roundMinMs,
    clock,
    logger,
  });
  const deps: SurfaceDeps = { config, checker: core.service, directory: core.directory, store: db.checks, clock, logger, http, access, nocCommands, ...(nocLink ? { noc: nocLink } : {}) };

  const surfaces: Surface[] = [];
  if (config.slack) {
    const { createSlackSurface } = await import('./adapters/slack/slack-surface.js');
    surfaces.push(createSlackSurface(deps));
  }
  if (config.discord) {
    const { createDiscordSurface } = await import('./adapters/discord/discord-surface.js');
    surfaces.push(createDiscordSurface(deps));
  }

  try {
    const port = await http.listen(config.port);
    logger.info({ port }, 'http server listening (/healthz, /readyz, /metrics)');
  } catch (err) {
    if (chat) throw err;
    // The shell works without the health endpoints; a busy port must not stop a local try-out.
    logger.warn({ err: (err as Error).message, port: config.port }, 'http server not started');
  }
  // Ready only once every surface is serving: a probe must not send traffic to an unmounted route.
  const startReadiness = () => watchReadiness(core.api.health.bind(core.api), (ready) => http.setReady(ready), logger);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new commands, finishing checks in flight');
    http.setDraining();
    const grace = new Promise((r) => setTimeout(r, SHUTDOWN_GRACE_MS).unref());
    await Promise.race([Promise.all(surfaces.map((s) => s.stop().catch((err: unknown) => logger.error({ err, surface: s.name }, 'stop failed')))), grace]);
    await intake?.stop();
    await noc?.stop();
    nocChat?.stop();
    await core.close();
    await http.close();
    logger.flush?.();
  };

  if (!chat) {
    if (interactive) {
      if (core.simulated) {
        process.stdout.write(`Ping API simulator running at ${core.apiUrl} (scenarios: 1001 stable, 1002 intermittent, 1003 no internet, 1004 failed, 1005 never finishes, 1008 antenna-only)\n`);
      }
      process.stdout.write(`Logs: ${logFile}\n`);
    } else {
      logger.info('no chat token set: running the shell on standard input (it ends at end of input)');
    }
    startReadiness();
    const shell = runShell(deps, { input: process.stdin, output: process.stdout, interactive });
    printNotice = (text) => shell.notice(text);
    lastPlan = '';
    if (noc) announcePlan(noc.watcher.status());
    // SIGTERM (a deploy, a supervisor) lets checks in flight finish, for SHUTDOWN_GRACE_MS at
    // most, then cancels what is left (their cards say so). SIGINT (Ctrl+C) means stop now.
    let reason = 'end of input';
    process.once('SIGTERM', () => {
      reason = 'SIGTERM';
      shell.close();
      setTimeout(() => shell.stop(), SHUTDOWN_GRACE_MS).unref();
    });
    process.once('SIGINT', () => {
      reason = 'SIGINT';
      shell.stop();
    });
    await shell.finished;
    await shutdown(reason);
    return 0;
  }

  for (const s of surfaces) {
    await s.start();
    logger.info({ surface: s.name }, 'surface started');
  }
  startReadiness();
  await new Promise<void>((resolve) => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void shutdown(sig).then(resolve));
  });
  return 0;
}

/** Polls the Ping API's /health until it answers once, then marks the process ready. */
function watchReadiness(health: () => Promise<boolean>, setReady: (r: boolean) => void, logger: Logger): void {
  const attempt = async () => {
    if (await health()) {
      setReady(true);
      logger.info('Ping API answered /health: ready');
      return;
    }
    setTimeout(() => void attempt(), 2000).unref();
  };
  void attempt();
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`pingops: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
