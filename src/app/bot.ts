import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runShell } from '../adapters/shell/shell.js';
import type { Surface, SurfaceDeps } from '../chat/surface.js';
import { createAccess } from '../chat/access.js';
import { createHeldRequests, HELD_REQUEST_OUTCOMES } from '../chat/held-requests.js';
import { startHeartbeat, type Ownership } from '../chat/owners.js';
import { goneOnThisHost, thisProcess } from '../util/replica.js';
import { loadConfigOrReport, type Config } from '../config.js';
import { createHttpServer, type HttpServer } from '../http/server.js';
import { countHeldRequests, watchChat, watchLeases, watchStore } from '../http/metrics.js';
import type { LeaseName } from '../store/ports.js';
import { runWhileLeading, type Led } from '../util/leadership.js';
import { systemClock } from '../util/clock.js';
import { createLogger, type Logger } from '../util/logger.js';
import { createCore, type Core } from './core.js';
import { startBotNoc } from './noc.js';
import { inputKind, runModeFor, type RunMode } from './stdin.js';
import { chatSurfaces, conversations, recorded, shellConversations, type ConversationParts, type LeaseRunner } from './surfaces.js';
import type { ConversationEngine } from '../chat/engine.js';
import { createSharedEditBudget } from '../chat/shared-edit-budget.js';

/** How long checks in flight may take to finish their messages on shutdown. */
const SHUTDOWN_GRACE_MS = 5000;

/**
 * `npm start`: reads the config, wires every part once (store, core, NOC, HTTP, surfaces), and
 * runs until a signal, or until the shell's input ends. Returns the exit code.
 */
export async function runBot(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const config = loadConfigOrReport((text) => process.stderr.write(text), env);
  if (!config) return 3;
  const chat = config.slack !== null || config.discord !== null;
  if (chat && config.pingApi.url === null && config.wisphub === null && !config.pingApi.simulatorAsked) {
    // Real people would get made-up verdicts: the simulator only when asked for by name.
    process.stderr.write(
      'pingops: PING_API_URL is not set, but Slack or Discord is: set PING_API_URL to your Ping API (e.g. https://ping.example.net) or WISPHUB_API_URL and WISPHUB_API_KEY to WispHub, or PING_API_URL=sim to answer chat from the built-in simulator, whose clients and verdicts are made up.\n',
    );
    return 3;
  }
  const mode = runModeFor({ chat, setting: config.shell, input: inputKind(process.stdin), outputIsTerminal: Boolean(process.stdout.isTTY) });
  // A person at the shell must not read JSON between prompts: the logs go to a file instead.
  const logFile = mode === 'interactive' ? join(tmpdir(), `pingops-${process.pid}.log`) : null;
  const logger = createLogger(config.logLevel, logFile ?? 2);
  guardProcess(logger);
  const clock = systemClock;
  // This process among the replicas on the store: one id for its lease, the checks it owns and
  // the tasks it creates for others to follow; its heartbeat is written before any check is (chat/owners).
  const replica = thisProcess();
  // Replicas alive as the heartbeat last read them: the budget's share while the store is away.
  let liveReplicas: number | null = null;
  const core = await createCore(config, logger, clock, { replica: replica.id, liveReplicas: () => liveReplicas });
  core.warmUp();
  // The process's one database (every store port, one degrade policy), opened by the core.
  const db = core.db;
  const http = createHttpServer(logger.child({ component: 'http' }));
  http.watchStore(() => db.health());
  // One set of access rules for every surface, /noc and the incident buttons: one per-person limit.
  const access = createAccess(config.access);
  const owners: Ownership = { me: replica, staleAfterMs: config.lease.ttlMs, everyMs: config.lease.renewMs, goneOnThisHost, signals: db.signals };
  const heartbeat = await startHeartbeat({ store: db.checks, ownership: owners, clock, logger, onReplicas: (n) => (liveReplicas = n) });
  const noc = await startBotNoc({ config, core, db, http, access, replica, clock, logger });
  http.watchRole(() => noc.led.role());
  // Every lease this replica competes for, told in /readyz and /metrics: the NOC's, and those the surfaces ask for.
  const held: { name: LeaseName; led: Led<unknown> }[] = [{ name: 'noc', led: noc.led }];
  http.watchLease('noc', () => noc.led.role());
  const leases: LeaseRunner = (lease, runs, start) => {
    const led = runWhileLeading({ store: db.leases, lease, runs, holder: replica, isStale: goneOnThisHost, settings: config.lease, clock, logger, start });
    held.push({ name: lease, led });
    http.watchLease(lease, () => led.role());
    return led;
  };
  /** Every conversation engine this process runs (one per surface), for /metrics. */
  const engines: { surface: string; engine: ConversationEngine }[] = [];
  const registry = core.metrics.registry;
  core.metrics.withProcess();
  watchStore(registry, () => db.health());
  noc.watchLeader(registry);
  watchLeases(registry, () => held.map((h) => ({ name: h.name, role: h.led.role() })));
  watchChat(registry, () => engines.map(({ surface, engine }) => ({ surface, ...engine.finalEdits })));
  const heldCounter = countHeldRequests(registry, HELD_REQUEST_OUTCOMES);
  http.mount('/metrics', async (req, res) => {
    const text = (await core.metrics.render()) + (await noc.watcherMetrics());
    res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : text);
  });
  const parts: ConversationParts = { checker: core.service, directory: core.directory, store: db.checks, clock, logger, polling: config.polling, access, owners };
  // An edit budget in the store, for a platform whose edit limit is the workspace's (Slack's): the same rows as the Ping API's budget.
  const sharedEditBudget: SurfaceDeps['sharedEditBudget'] = (o) => createSharedEditBudget({ ...o, port: db.budget, clock, logger, liveReplicas: () => liveReplicas });
  const deps: SurfaceDeps = {
    conversations: recorded(conversations(parts), engines),
    directory: core.directory,
    locale: config.locale,
    clock,
    logger,
    http,
    nocCommands: noc.commands,
    ...(noc.link ? { noc: noc.link } : {}),
    sharedEditBudget,
    heldRequests: (surface) => createHeldRequests({ surface, store: db.held, checks: db.checks, owners, clock, logger, counted: heldCounter(surface) }),
  };
  const surfaces = await chatSurfaces(config, deps, leases);

  try {
    const port = await http.listen(config.port);
    logger.info({ port }, 'http server listening (/healthz, /readyz, /metrics)');
  } catch (err) {
    if (mode === 'service') throw err;
    // The shell works without the health endpoints; a busy port must not stop a local try-out.
    logger.warn({ err: (err as Error).message, port: config.port }, 'http server not started');
  }
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new commands, finishing checks in flight');
    http.setDraining();
    const grace = new Promise((r) => setTimeout(r, SHUTDOWN_GRACE_MS).unref());
    await Promise.race([Promise.all(surfaces.map((s) => s.stop().catch((err: unknown) => logger.error({ err, surface: s.name }, 'stop failed')))), grace]);
    await noc.stop();
    // Nothing of this process runs past here (checks left in flight stay in the store): the
    // heartbeat can go, so another replica adopts them and the requests handed over at once.
    await core.service.close();
    await heartbeat.stop({ farewell: true });
    await core.close();
    await http.close();
    logger.flush?.();
  };
  const run = { config, core, http, logger, mode, logFile, deps: { ...deps, conversations: recorded(shellConversations(parts), engines) }, shutdown };
  return mode === 'service' ? runService(run, surfaces, chat) : runShellMode(run, noc.attachScreen);
}

interface Running {
  config: Config;
  core: Core;
  http: HttpServer;
  logger: Logger;
  mode: RunMode;
  logFile: string | null;
  /** The shell's (its own conversation rules). */
  deps: SurfaceDeps;
  shutdown(reason: string): Promise<void>;
}

/** Chat surfaces, or none (hooks and the NOC only): serve until SIGTERM or SIGINT. */
async function runService(r: Running, surfaces: Surface[], chat: boolean): Promise<number> {
  if (!chat) r.logger.info('no chat token set and nothing to read on standard input: running as a service (HTTP, NOC, hooks) until SIGTERM or SIGINT; PINGOPS_SHELL=on runs the shell instead');
  for (const s of surfaces) {
    await s.start();
    r.logger.info({ surface: s.name }, 'surface started');
  }
  // Ready only once every surface is serving: a probe must not send traffic to an unmounted route.
  watchReadiness(r);
  await new Promise<void>((resolve) => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void r.shutdown(sig).then(resolve));
  });
  return 0;
}

/** The shell at a terminal or on piped input, until input ends, `/quit` or a signal. */
async function runShellMode(r: Running, attachScreen: (print: (text: string) => void) => void): Promise<number> {
  const interactive = r.mode === 'interactive';
  if (interactive) {
    if (r.core.simulated) {
      process.stdout.write(`Ping API simulator running at ${r.core.apiUrl} (scenarios: 1001 stable, 1002 intermittent, 1003 no internet, 1004 failed, 1005 never finishes, 1008 antenna-only)\n`);
    }
    process.stdout.write(`Logs: ${r.logFile}\n`);
  } else {
    r.logger.info('no chat token set and input piped in: running the shell on standard input (it ends at end of input)');
  }
  watchReadiness(r);
  const shell = runShell(r.deps, { input: process.stdin, output: process.stdout, interactive });
  attachScreen((text) => shell.notice(text));
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
  await r.shutdown(reason);
  return 0;
}

/** A library's stray rejection must not take every surface down; an uncaught exception leaves the process unknown: exit. */
function guardProcess(logger: Logger): void {
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection (kept running)'));
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception; exiting');
    process.exit(1);
  });
}

/** Polls the Ping API's /health until it answers once, then marks the process ready. */
function watchReadiness(r: Pick<Running, 'core' | 'http' | 'logger'>): void {
  const attempt = async () => {
    if (await r.core.api.health()) {
      r.http.setReady(true);
      r.logger.info('Ping API answered /health: ready');
      return;
    }
    setTimeout(() => void attempt(), 2000).unref();
  };
  void attempt();
}
