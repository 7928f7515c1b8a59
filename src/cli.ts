import 'dotenv/config';
import { createCore } from './app.js';
import { exitCodeFor, parseCliArgs } from './cli-args.js';
import { loadConfigOrReport } from './config.js';
import { finalCard, sanitizeTerminal, statusLine } from './adapters/shell/terminal.js';
import { followCheck, prepareCheck } from './chat/ping-flow.js';
import { startSimulator } from './sim/server.js';
import { createLogger } from './util/logger.js';

const USAGE = `Usage:
  pingops check <target> [--packets N] [--json] [--fresh]
      Checks one client's line and exits with its verdict:
      0 stable, 1 intermittent or antenna-only, 2 no internet,
      3 failed, timed out, cancelled, usage, configuration or Ping API error.
      <target>: a service id (1001, client-1001, #1001), a phone (+57…, tel:…),
      a document (doc:…, cc:…) or a name.
  pingops watch add <client|router:N|zone:N|all> [every 5m]
  pingops watch remove <client|router:N|zone:N|all>
  pingops watch list
  pingops watch silence <client:N|router:N|zone:N|all> <duration> [reason]
      The NOC watch list, kept in the store (PINGOPS_DB); a running bot picks changes up
      within one interval.
  pingops noc status
      What the running watcher sweeps, its budget, open incidents.
  pingops noc [--demo]
      Runs the watcher in the terminal: groups, open incidents, the event log.
      --demo: on the simulator, a two-minute script (a router falls and comes back,
      a client flaps, a suspended client stays quiet).
  pingops sim [--port N]
      Runs the built-in Ping API simulator alone (SIM_SHAPE, SIM_AUTH, SIM_SPEED apply).
  pingops help
`;

async function cli(argv: string[]): Promise<number> {
  const cmd = parseCliArgs(argv);
  if (cmd.kind === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (cmd.kind === 'usage_error') {
    process.stderr.write(`pingops: ${cmd.message}\n\n${USAGE}`);
    return 3;
  }
  const config = loadConfigOrReport((text) => process.stderr.write(text));
  if (!config) return 3;
  // The CLI's stdout is for people and scripts; logs only when asked for.
  const logger = createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn');

  if (cmd.kind === 'sim') {
    const sim = await startSimulator({ port: cmd.port ?? (config.sim.port || 8080), shape: config.sim.shape, auth: config.sim.auth, speed: config.sim.speed, logger });
    process.stdout.write(`Ping API simulator listening on ${sim.url} (shape ${config.sim.shape}, auth ${config.sim.auth})\n`);
    const { apiKey, username, password } = sim.credentials;
    if (apiKey) process.stdout.write(`  PING_API_KEY=${apiKey}\n`);
    if (username && password) process.stdout.write(`  PING_API_USERNAME=${username}\n  PING_API_PASSWORD=${password}\n`);
    const env = [`PING_API_URL=${sim.url}`, ...(apiKey ? [`PING_API_KEY=${apiKey}`] : []), ...(username && password ? [`PING_API_USERNAME=${username}`, `PING_API_PASSWORD=${password}`] : [])];
    process.stdout.write(`Try it from another terminal: ${env.join(' ')} npm start\n`);
    await new Promise<void>((resolve) => {
      for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => resolve());
    });
    await sim.close();
    return 0;
  }

  if (cmd.kind !== 'check') {
    const { runNocCommand } = await import('./noc/cli.js');
    return runNocCommand(cmd, config, logger);
  }

  const core = await createCore(config, logger);
  try {
    const prepared = await prepareCheck(cmd.target, core, config.locale);
    if (!prepared.ok) {
      if (cmd.json) process.stdout.write(`${JSON.stringify({ service_id: null, verdict: null, error: prepared.reason, message: prepared.message })}\n`);
      // The ambiguous list quotes client names from the API: no escape sequences to the terminal.
      else process.stderr.write(`${sanitizeTerminal(prepared.message)}\n`);
      return prepared.reason === 'help' ? 0 : 3;
    }
    const packets = cmd.packets ?? prepared.packets;
    const handle = core.service.check(prepared.serviceId, { priority: 'interactive', fresh: cmd.fresh, ...(packets ? { packets } : {}) });
    const progress = process.stderr.isTTY && !cmd.json;
    let last = null as ReturnType<typeof finalCard> | null;
    const done = await followCheck(handle, prepared.client, config.locale, (view) => {
      if (view.final) last = finalCard(view, Boolean(process.stdout.isTTY));
      else if (progress) process.stderr.write(`\r\x1b[2K${statusLine(view, true)}`);
    });
    if (progress) process.stderr.write('\r\x1b[2K');
    if (cmd.json) {
      const error = done.reason.kind === 'error' ? done.reason.fault.message : undefined;
      process.stdout.write(
        `${JSON.stringify({ service_id: done.serviceId, verdict: done.verdict, task_id: done.taskId, polls: done.polls, elapsed_ms: done.elapsedMs, message: done.message, ...(error ? { error } : {}) })}\n`,
      );
    } else if (last) {
      process.stdout.write(`${last}\n`);
    }
    return exitCodeFor(done.verdict);
  } finally {
    await core.close();
  }
}

cli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`pingops: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(3);
  },
);
