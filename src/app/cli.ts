import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { createCore, type PingopsDatabase } from './core.js';
import { exitCodeFor, parseCliArgs } from '../cli-args.js';
import { loadConfigOrReport, type Config } from '../config.js';
import { finalCard, sanitizeTerminal, statusLine } from '../adapters/shell/terminal.js';
import { followCheck, prepareCheck } from '../chat/ping-flow.js';
import { parseTarget } from '../directory/target.js';
import { historyText } from '../present/history.js';
import { openDatabase } from '../store/open.js';
import type { StoredCheck } from '../store/ports.js';
import { createLiveLine } from '../adapters/shell/live-line.js';
import { createLogger, type Logger } from '../util/logger.js';
import { systemClock } from '../util/clock.js';

const USAGE = `Usage:
  pingops check <target> [--packets N] [--json] [--fresh]
      Checks one client's line and exits with its verdict:
      0 stable, 1 intermittent or antenna-only, 2 no internet,
      3 failed, timed out, cancelled, usage, configuration or Ping API error.
      <target>: a service id (1001, client-1001, #1001), a phone (+57…, tel:…),
      a document (doc:…, cc:…) or a name.
      A verdict younger than PING_RESULT_CACHE_MS is answered from the store;
      --fresh always starts a new ping task.
  pingops history <target> [--json]
      The last 10 checks of one client kept in the store (PINGOPS_DB), from
      every surface: verdict, loss and RTT when known, who asked, when.
  pingops audit [--since 24h] [--json]
      Every check asked for in that window (30m, 24h, 7d): who asked for which
      client, where, and the outcome.
  pingops watch add <client|router:N|zone:N|all> [every 5m]
  pingops watch remove <client|router:N|zone:N|all>
  pingops watch list
  pingops watch silence <client:N|router:N|zone:N|all> <duration> [reason]
  pingops watch unsilence <client:N|router:N|zone:N|all>
      The NOC watch list, kept in the store (PINGOPS_DB); a running bot picks changes up
      within one interval. Intervals from NOC_ROUND_MIN to 1 d; silences up to 30 d.
  pingops noc status
      What the running watcher sweeps, its budget, open incidents.
  pingops noc [--demo]
      Runs the watcher in the terminal: groups, open incidents, the event log.
      --demo: on the simulator, a two-minute script (a router falls and comes back,
      a client flaps, a suspended client stays quiet).
  pingops sim [--port N] [--dialect v1|plain|wisphub]
      Runs the built-in Ping API simulator alone (SIM_DIALECT, SIM_SHAPE, SIM_AUTH, SIM_SPEED apply):
      v1 the documented middleware, plain the middleware's code today, wisphub WispHub's own API.
  pingops --version
  pingops help
`;

/** The CLI has no slash command: examples in shared sentences say what to type here instead. */
const cliWording = (text: string): string => text.replace(/\/ping\b/g, 'pingops check');

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** One stored check as a JSON object for scripts (history --json, audit --json). */
function checkJson(c: StoredCheck): Record<string, unknown> {
  return {
    id: c.id,
    service_id: c.serviceId,
    packets: c.packets,
    task_id: c.taskId,
    verdict: c.verdict,
    loss_pct: c.lossPct,
    rtt_ms: c.rttMs,
    requester: c.requester,
    requester_name: c.requesterName,
    surface: c.surface,
    channel: c.place.channel,
    started_at: new Date(c.startedAt).toISOString(),
    finished_at: c.finishedAt === null ? null : new Date(c.finishedAt).toISOString(),
  };
}

/** One audit line for people: when, where, who, which client, outcome. */
function auditLine(c: StoredCheck): string {
  const when = new Date(c.startedAt).toISOString().slice(0, 16).replace('T', ' ');
  const who = c.requesterName && c.requesterName !== c.requester ? `${c.requesterName} (${c.requester})` : c.requester;
  const outcome = c.verdict ?? (c.delivered ? c.state : 'running');
  const extra = [c.lossPct !== null ? `loss ${c.lossPct} %` : '', c.rttMs !== null ? `${Math.round(c.rttMs)} ms` : ''].filter((x) => x).join(' · ');
  return sanitizeTerminal(`${when} UTC  ${c.surface}  ${c.place.channel}  ${who}  ${c.serviceId}  ${outcome}${extra ? `  ${extra}` : ''}`);
}

/** `pingops history` and `pingops audit` read the store; a service id needs no Ping API at all. */
async function readStore(cmd: { kind: 'history'; target: string; json: boolean } | { kind: 'audit'; sinceMs: number; json: boolean }, config: Config, logger: Logger): Promise<number> {
  const now = Date.now();
  const db: PingopsDatabase = await openDatabase(config, logger);
  try {
    if (cmd.kind === 'audit') {
      const rows = await db.checks.since(now - cmd.sinceMs, 10_000);
      if (cmd.json) for (const r of rows) process.stdout.write(`${JSON.stringify(checkJson(r))}\n`);
      else if (rows.length === 0) process.stdout.write('No checks in that window.\n');
      else process.stdout.write(`${rows.map(auditLine).join('\n')}\n`);
      return 0;
    }
    let serviceId: number;
    const parsed = parseTarget(cmd.target);
    if (parsed.ok && parsed.target.kind === 'service_id') serviceId = parsed.target.serviceId;
    else {
      const core = await createCore(config, logger, systemClock, { db });
      try {
        const prepared = await prepareCheck(cmd.target, core, config.locale);
        if (!prepared.ok) {
          process.stderr.write(`${sanitizeTerminal(cliWording(prepared.message))}\n`);
          return 3;
        }
        serviceId = prepared.serviceId;
      } finally {
        await core.close();
      }
    }
    const rows = await db.checks.history(serviceId, 10);
    if (cmd.json) for (const r of rows) process.stdout.write(`${JSON.stringify(checkJson(r))}\n`);
    else process.stdout.write(`${sanitizeTerminal(historyText(serviceId, rows, now, config.locale))}\n`);
    return 0;
  } finally {
    await db.close();
  }
}

/** `pingops …`: one command, its exit code (0 done, 1-2 a verdict worth a look, 3 usage, configuration or API trouble). */
export async function runCli(argv: string[]): Promise<number> {
  const cmd = parseCliArgs(argv);
  if (cmd.kind === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (cmd.kind === 'version') {
    process.stdout.write(`pingops ${version()}\n`);
    return 0;
  }
  if (cmd.kind === 'usage_error') {
    process.stderr.write(`pingops: ${cmd.message}\n\n${USAGE}`);
    return 3;
  }
  const config = loadConfigOrReport((text) => process.stderr.write(text));
  if (!config) return 3;
  // The CLI's stdout is for people and scripts; logs only when asked for. On a terminal they
  // share stderr with the progress line, so they go through it (each on a line of its own).
  const live = process.stderr.isTTY ? createLiveLine(process.stderr) : null;
  const logger = createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn', live?.log ?? 2);

  if (cmd.kind === 'sim') {
    const dialect = cmd.dialect ?? config.sim.dialect;
    const wisphub = dialect === 'wisphub';
    const auth = wisphub ? 'key' : config.sim.auth;
    if (dialect === 'plain' && auth === 'jwt') {
      process.stderr.write('pingops: SIM_AUTH=jwt does not go with the plain dialect (the middleware today has no login)\n');
      return 3;
    }
    const { startSimulator } = await import('../sim/server.js');
    const sim = await startSimulator({ port: cmd.port ?? (config.sim.port || 8080), dialect, shape: config.sim.shape, auth, speed: config.sim.speed, logger });
    const what = dialect === 'v1' ? `dialect v1, shape ${config.sim.shape}` : `dialect ${dialect}`;
    process.stdout.write(`Ping API simulator listening on ${sim.url} (${what}, auth ${auth})\n`);
    const { apiKey, username, password } = sim.credentials;
    const env = wisphub
      ? [`WISPHUB_API_URL=${sim.url}`, `WISPHUB_API_KEY=${apiKey ?? ''}`]
      : [`PING_API_URL=${sim.url}`, ...(apiKey ? [`PING_API_KEY=${apiKey}`] : []), ...(username && password ? [`PING_API_USERNAME=${username}`, `PING_API_PASSWORD=${password}`] : [])];
    for (const line of env.slice(1)) process.stdout.write(`  ${line}\n`);
    process.stdout.write(`Try it from another terminal: ${env.join(' ')} npm start\n`);
    await new Promise<void>((resolve) => {
      for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => resolve());
    });
    await sim.close();
    return 0;
  }

  if (cmd.kind === 'history' || cmd.kind === 'audit') return readStore(cmd, config, logger);
  if (cmd.kind !== 'check') {
    const { runNocCommand } = await import('./noc-cli.js');
    return runNocCommand(cmd, config, logger);
  }

  const core = await createCore(config, logger);
  try {
    const prepared = await prepareCheck(cmd.target, core, config.locale, undefined, { buttons: false });
    if (!prepared.ok) {
      const message = cliWording(prepared.message);
      if (cmd.json) process.stdout.write(`${JSON.stringify({ service_id: null, verdict: null, error: prepared.reason, message })}\n`);
      // The ambiguous list quotes client names from the API: no escape sequences to the terminal.
      else process.stderr.write(`${sanitizeTerminal(message)}\n`);
      return prepared.reason === 'help' ? 0 : 3;
    }
    const packets = cmd.packets ?? prepared.packets ?? config.polling.packets;
    const startedAt = Date.now();
    if (!cmd.fresh) await core.service.recall(prepared.serviceId, packets);
    const handle = core.service.check(prepared.serviceId, { priority: 'interactive', fresh: cmd.fresh, packets });
    const progress = process.stderr.isTTY && !cmd.json;
    let last = null as ReturnType<typeof finalCard> | null;
    const done = await followCheck(handle, prepared.client, config.locale, (view) => {
      if (view.final) last = finalCard(view, Boolean(process.stdout.isTTY));
      else if (progress) live?.show(statusLine(view, true));
    });
    if (progress) live?.clear();
    // Kept like every chat check: history, audit, and the result cache of the next process.
    try {
      const id = randomBytes(8).toString('hex');
      const who = safeUser();
      await core.db.checks.insert(
        { id, serviceId: prepared.serviceId, packets, requester: who, requesterName: who, surface: 'cli', place: { channel: 'cli', thread: null }, messages: {}, locale: config.locale, client: prepared.client, startedAt, deadlineAt: startedAt + config.polling.timeoutMs },
        startedAt,
      );
      await core.db.checks.update(id, { final: done, mention: 'skipped', delivered: true }, Date.now());
    } catch (err) {
      logger.warn({ err }, 'could not store the check');
    }
    if (cmd.json) {
      const error =
        done.reason.kind === 'error'
          ? done.reason.fault.message
          : done.reason.kind === 'busy'
            ? `busy: too many checks waiting for the Ping API; try again in ${Math.ceil(done.reason.retryAfterMs / 1000)} s`
            : undefined;
      process.stdout.write(
        `${JSON.stringify({
          service_id: done.serviceId,
          verdict: done.verdict,
          task_id: done.taskId,
          polls: done.polls,
          elapsed_ms: done.elapsedMs,
          message: done.message,
          loss_pct: done.lossPct,
          rtt_ms: done.rttMs,
          cached: done.cached,
          ...(error ? { error } : {}),
        })}\n`,
      );
    } else if (last) {
      process.stdout.write(`${last}\n`);
    }
    return exitCodeFor(done.verdict);
  } finally {
    await core.close();
  }
}

function safeUser(): string {
  try {
    return userInfo().username || 'cli';
  } catch {
    return 'cli';
  }
}
