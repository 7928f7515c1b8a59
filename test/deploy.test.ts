import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, SETTING_NAMES } from '../src/config.js';
import { createHttpServer, type HttpServer } from '../src/http/server.js';
import { BODY_TIMEOUT_MS } from '../src/http/body.js';
import { HOOK_MAX_BODY_BYTES } from '../src/http/hooks.js';
import { countHeldRequests, createMetrics, watchChat, watchLeases, watchStore } from '../src/http/metrics.js';
import { HELD_REQUEST_OUTCOMES } from '../src/chat/held-requests.js';
import { watcherRegistry, watchLeader } from '../src/noc/metrics.js';
import type { WatcherStatus } from '../src/noc/watcher.js';
import { silentLogger } from '../src/util/logger.js';
import { commandEnvOf, nodeFlagsOf, startEnv, startFlags } from '../bench/start-flags.js';

// There is no Docker engine on the machines that run the tests, so the deployment files are
// read and held against the code: the settings they name, the routes they probe and proxy.
const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const run = promisify(execFile);

interface ComposeService {
  image?: string;
  build?: unknown;
  hostname?: string;
  environment?: Record<string, string | number | boolean> | string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] | string };
  volumes?: string[];
  ports?: string[];
}

/**
 * Compose's interpolation, enough for our file: `${NAME}`, `${NAME:-default}`, `${NAME:?error}`.
 * Variables come from `vars`; a required one that is missing fails, as `docker compose` would.
 */
function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-?])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
    const value = vars[name];
    if (value !== undefined && value !== '') return value;
    if (op === '-') return arg ?? '';
    throw new Error(`compose: ${name} is required (${arg ?? ''})`);
  });
}

const PASSWORD = 'compose-test-password';
const compose = parse(interpolate(read('deploy/docker-compose.yml'), { POSTGRES_PASSWORD: PASSWORD }), { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;
const envOf = (s: ComposeService): Record<string, string> => {
  const e = s.environment ?? {};
  if (Array.isArray(e)) return Object.fromEntries(e.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)]));
};
/** The replicas: every service that runs the pingops image. */
const replicas = Object.entries(services).filter(([, s]) => s.image === 'pingops:local' || s.build !== undefined);
const dbService = Object.entries(services).find(([, s]) => /^postgres:15(\b|$)/.test(s.image ?? ''));

/** nginx's `upstream <name> { server host:port ...; }` blocks. */
function upstreams(conf: string): Map<string, { host: string; port: number }[]> {
  const out = new Map<string, { host: string; port: number }[]>();
  for (const m of conf.matchAll(/upstream\s+(\S+)\s*\{([^}]*)\}/g)) {
    const servers = [...(m[2] ?? '').matchAll(/^\s*server\s+([^\s:;]+):(\d+)[^;]*;/gm)].map((s) => ({ host: s[1] ?? '', port: Number(s[2]) }));
    out.set(m[1] ?? '', servers);
  }
  return out;
}
/** nginx's `location [=] path { ... }` blocks, with their `proxy_pass` target. */
function locations(conf: string): { path: string; exact: boolean; proxyPass: string | null; body: string }[] {
  return [...conf.matchAll(/location\s+(=\s+)?(\S+)\s*\{([^}]*)\}/g)].map((m) => ({
    path: m[2] ?? '',
    exact: m[1] !== undefined,
    proxyPass: /proxy_pass\s+([^;\s]+);/.exec(m[3] ?? '')?.[1] ?? null,
    body: m[3] ?? '',
  }));
}
/** An nginx size (`2m`, `512k`, `1024`) in bytes. */
function nginxBytes(v: string): number {
  const m = /^(\d+)([kKmMgG]?)$/.exec(v);
  if (!m) throw new Error(`not an nginx size: ${v}`);
  return Number(m[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g'];
}
/** An nginx duration (`15s`, `1m`, `500ms`) in milliseconds. */
function nginxMs(v: string): number {
  const m = /^(\d+)(ms|s|m)?$/.exec(v);
  if (!m) throw new Error(`not an nginx duration: ${v}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm'];
}

/**
 * A Dockerfile as stages of instructions (continuation lines joined, comments dropped). Written
 * here rather than taken from a parser library: twenty lines answer what this test asks.
 */
function dockerStages(text: string): { name: string | null; from: string; instructions: { op: string; args: string }[] }[] {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const stages: { name: string | null; from: string; instructions: { op: string; args: string }[] }[] = [];
  for (const line of lines) {
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (op.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: m?.[1] ?? args, name: m?.[2] ?? null, instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1)?.instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()?.();
});

/** The real HTTP server of a bot (health routes only), on a free port. */
async function healthServer(): Promise<{ port: number; server: HttpServer }> {
  const server = createHttpServer(silentLogger);
  closers.push(() => server.close());
  return { port: await server.listen(0, '127.0.0.1'), server };
}

/** A server that answers every request 503, as a sick process might: a probe must fail on it. */
async function sickServer(): Promise<number> {
  const server: Server = createServer((_req, res) => res.writeHead(503).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

/** Runs a healthcheck command (exec form, `node -e ...`) as Docker would; its exit code. */
async function runProbe(argv: string[], env: Record<string, string> = {}): Promise<number> {
  const [cmd, ...args] = argv;
  expect(cmd).toBe('node');
  try {
    await run(process.execPath, args, { env: { ...process.env, ...env }, timeout: 20_000 });
    return 0;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
}

describe('deploy/docker-compose.yml', () => {
  it('runs PostgreSQL 15 and at least two pingops replicas, each with a hostname of its own', () => {
    expect(dbService).toBeDefined();
    expect(replicas.length).toBeGreaterThanOrEqual(2);
    const hostnames = replicas.map(([, s]) => s.hostname);
    // Distinct names tell the replicas apart in logs and `pingops noc` (their pid spaces differ
    // anyway: util/replica adds the boot id and the pid namespace).
    expect(hostnames.every((h) => typeof h === 'string' && h !== '')).toBe(true);
    expect(new Set(hostnames).size).toBe(replicas.length);
  });

  it('points every replica at the db service, with settings src/config.ts reads and accepts', () => {
    const [dbName, db] = dbService ?? ['', {} as ComposeService];
    const dbEnv = envOf(db);
    for (const [name, s] of replicas) {
      const env = envOf(s);
      // A renamed or misspelt setting fails here, not at 3 a.m. in a container.
      for (const key of Object.keys(env)) expect({ replica: name, key, known: SETTING_NAMES.includes(key) }).toEqual({ replica: name, key, known: true });
      const config = loadConfig({ ...env, PING_API_URL: 'https://ping.example.net' });
      const url = new URL(config.store.postgres?.url.reveal() ?? 'missing://');
      expect({ replica: name, protocol: url.protocol, host: url.hostname, port: url.port || '5432', user: url.username, password: url.password, database: url.pathname.slice(1) }).toEqual({
        replica: name,
        protocol: 'postgres:',
        host: dbName,
        port: '5432',
        user: dbEnv.POSTGRES_USER,
        password: PASSWORD,
        database: dbEnv.POSTGRES_DB,
      });
      expect(config.lease.renewMs * 2).toBeLessThanOrEqual(config.lease.ttlMs);
      // A container has no terminal: it serves until SIGTERM.
      expect(config.shell).toBe('off');
      expect(s.depends_on).toMatchObject({ [dbName]: { condition: 'service_healthy' } });
    }
    // The replicas share one store and one lease: nothing of it may differ between them.
    const shared = (s: ComposeService) => {
      const { PINGOPS_DATABASE_URL, PINGOPS_LEASE_TTL_MS, PINGOPS_LEASE_RENEW_MS } = envOf(s);
      return { PINGOPS_DATABASE_URL, PINGOPS_LEASE_TTL_MS, PINGOPS_LEASE_RENEW_MS };
    };
    for (const [, s] of replicas) expect(shared(s)).toEqual(shared(replicas[0]?.[1] ?? {}));
  });

  it('refuses to start without POSTGRES_PASSWORD rather than run with an empty one', () => {
    expect(() => interpolate(read('deploy/docker-compose.yml'), {})).toThrow(/POSTGRES_PASSWORD is required/);
  });

  it('probes each replica on its PORT at /healthz (liveness, never /readyz), and the probe passes only while the server answers', async () => {
    const { port, server } = await healthServer();
    for (const [name, s] of replicas) {
      const test = s.healthcheck?.test;
      expect(Array.isArray(test) && test[0] === 'CMD').toBe(true);
      const argv = (test as string[]).slice(1);
      const url = new URL(/https?:\/\/[^'"\s)]+/.exec(argv.join(' '))?.[0] ?? 'missing://');
      expect({ replica: name, host: url.hostname, port: url.port, path: url.pathname }).toEqual({ replica: name, host: '127.0.0.1', port: envOf(s).PORT, path: '/healthz' });
      // The very command Docker runs, aimed at a real server: it passes while the server answers.
      const aimed = argv.map((a) => a.replace(`127.0.0.1:${url.port}`, `127.0.0.1:${port}`));
      expect(await runProbe(aimed)).toBe(0);
    }
    await server.close();
    const [, first] = replicas[0] ?? ['', {} as ComposeService];
    const argv = (first.healthcheck?.test as string[]).slice(1);
    const aimedAt = (p: number) => argv.map((a) => a.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${p}`));
    expect(await runProbe(aimedAt(port))).toBe(1);
    expect(await runProbe(aimedAt(await sickServer()))).toBe(1);
  }, 60_000);

  it('starts the load balancer only once every replica is healthy, and publishes only it', () => {
    const [, lb] = Object.entries(services).find(([, s]) => /^nginx:/.test(s.image ?? '')) ?? [];
    expect(lb).toBeDefined();
    for (const [name] of replicas) expect(lb?.depends_on).toMatchObject({ [name]: { condition: 'service_healthy' } });
    expect(lb?.volumes).toContain('./nginx.conf:/etc/nginx/nginx.conf:ro');
    for (const [name, s] of [...replicas, ...(dbService ? [dbService] : [])]) expect({ name, ports: s.ports }).toEqual({ name, ports: undefined });
  });
});

describe('deploy/nginx.conf', () => {
  const conf = read('deploy/nginx.conf');

  it('lists every replica in the upstream, on the PORT it listens on, and nothing else', () => {
    const ups = upstreams(conf);
    const proxied = new Set(locations(conf).map((l) => l.proxyPass).filter((p): p is string => p !== null));
    expect(proxied.size).toBe(1);
    const target = /^http:\/\/([^/]+)$/.exec([...proxied][0] ?? '')?.[1] ?? '';
    const listed = (ups.get(target) ?? []).map((s) => `${s.host}:${s.port}`).sort();
    expect(listed).toEqual(replicas.map(([name, s]) => `${name}:${loadConfig(envOf(s)).port}`).sort());
  });

  it('proxies Slack HTTP mode, the hooks and /healthz; keeps /readyz and /metrics per replica', () => {
    const locs = locations(conf);
    const routeOf = (path: string) => locs.filter((l) => (l.exact ? l.path === path : path.startsWith(l.path))).sort((a, b) => Number(b.exact) - Number(a.exact) || b.path.length - a.path.length)[0];
    for (const path of ['/slack/events', '/hooks/alertmanager', '/hooks/uptime-kuma', '/hooks/check', '/healthz']) {
      expect({ path, proxied: routeOf(path)?.proxyPass !== null && routeOf(path) !== undefined }).toEqual({ path, proxied: true });
    }
    // Through a balancer these would answer for a replica picked at random.
    for (const path of ['/readyz', '/metrics']) expect({ path, proxied: routeOf(path)?.proxyPass ?? null }).toEqual({ path, proxied: null });
  });

  it('lets through the bodies and the time pingops itself allows, and retries another replica only when none acted', () => {
    const size = /client_max_body_size\s+(\S+);/.exec(conf)?.[1];
    expect(nginxBytes(size ?? '0')).toBeGreaterThanOrEqual(HOOK_MAX_BODY_BYTES);
    const readTimeout = /proxy_read_timeout\s+(\S+);/.exec(conf)?.[1];
    expect(nginxMs(readTimeout ?? '0')).toBeGreaterThan(BODY_TIMEOUT_MS);
    const next = /proxy_next_upstream\s+([^;]+);/.exec(conf)?.[1]?.split(/\s+/) ?? [];
    // A replica that timed out may have acted on the request; a second one must not act again.
    expect(next).not.toContain('timeout');
    expect(next).toEqual(expect.arrayContaining(['error', 'http_503']));
  });
});

const START_FLAGS = startFlags(fileURLToPath(new URL('../package.json', import.meta.url)));
const START_ENV = startEnv(fileURLToPath(new URL('../package.json', import.meta.url)));

describe('the Node flags of `npm start`', () => {
  it.each([
    ['node bin/start.js', []],
    ['node --max-semi-space-size=4 bin/start.js', ['--max-semi-space-size=4']],
    ['node  --a=1 -b   dist/main.js --not-a-node-flag', ['--a=1', '-b']],
    ['MALLOC_MMAP_THRESHOLD_=131072 A_B=x node --a=1 bin/start.js', ['--a=1']],
  ])('%s -> %j', (command, flags) => {
    expect(nodeFlagsOf(command)).toEqual(flags);
  });

  it.each([
    ['node bin/start.js', {}],
    ['MALLOC_MMAP_THRESHOLD_=131072 node --a=1 bin/start.js', { MALLOC_MMAP_THRESHOLD_: '131072' }],
    ['A=1 B_2= node bin/start.js C=3', { A: '1', B_2: '' }],
  ])('%s sets %j', (command, env) => {
    expect(commandEnvOf(command)).toEqual(env);
  });

  it.each(['tsx src/main.ts', 'node --flag', 'node --import tsx src/main.ts', 'node --max-old-space-size 512 bin/start.js'])('refuses %s', (command) => {
    expect(() => nodeFlagsOf(command)).toThrow();
  });

  it('are the ones the docs give for running the built bot by hand, with the same environment', () => {
    const given = [read('docs/deploy.md'), read('README.md')].flatMap((text) => [...text.matchAll(/((?:[A-Z_][A-Z0-9_]*=\S* )*)node((?: -\S+)*) dist\/main\.js/g)].map((m) => `${m[1] ?? ''}node${m[2] ?? ''} dist/main.js`));
    expect(given.length).toBeGreaterThan(0);
    for (const command of given) {
      expect(nodeFlagsOf(command)).toEqual(START_FLAGS);
      expect(commandEnvOf(command)).toEqual(START_ENV);
    }
  });
});

describe('Dockerfile', () => {
  const stages = dockerStages(read('Dockerfile'));
  const build = stages.find((s) => s.name === 'build');
  const runtime = stages.at(-1);
  const runs = (s: typeof build) => (s?.instructions ?? []).filter((i) => i.op === 'RUN').map((i) => i.args);

  it('is multi-stage: compiles in a build stage, runs from a last stage that copies its output', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build).toBeDefined();
    expect(runtime).not.toBe(build);
    const copies = (runtime?.instructions ?? []).filter((i) => i.op === 'COPY' && i.args.startsWith('--from=build')).map((i) => i.args);
    expect(copies).toEqual(expect.arrayContaining([expect.stringContaining('/app/node_modules'), expect.stringContaining('/app/dist')]));
  });

  it('can build better-sqlite3 from source: the tools and Node headers before `npm ci`, and the switch to skip the download', () => {
    const buildRuns = runs(build);
    const ci = buildRuns.findIndex((r) => /\bnpm ci\b/.test(r));
    const tools = buildRuns.findIndex((r) => /apt-get install/.test(r) && ['python3', 'make', 'g\\+\\+'].every((t) => new RegExp(`(^|\\s)${t}(\\s|$)`).test(r)));
    expect(tools).toBeGreaterThanOrEqual(0);
    expect(ci).toBeGreaterThan(tools);
    expect(buildRuns[ci]).toMatch(/npm_config_build_from_source=/);
    expect(build?.instructions.some((i) => i.op === 'ENV' && /npm_config_nodedir=\/usr\/local/.test(i.args))).toBe(true);
    // The build stage proves the binding loads, so a broken one fails the build, not the start.
    expect(buildRuns.slice(ci + 1).some((r) => r.includes("require('better-sqlite3')"))).toBe(true);
    // The fallback the Dockerfile relies on is better-sqlite3's own install script.
    const pkg = JSON.parse(read('node_modules/better-sqlite3/package.json')) as { scripts: { install: string } };
    expect(pkg.scripts.install).toMatch(/^prebuild-install \|\| node-gyp rebuild/);
  });

  it('runs as a non-root user without a compiler, and its HEALTHCHECK passes only while /healthz answers on PORT', async () => {
    const ops = runtime?.instructions ?? [];
    const user = ops.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(runs(runtime).some((r) => /apt-get install|g\+\+|node-gyp/.test(r))).toBe(false);
    // The same Node flags and environment as `npm start` (package.json is their one source), on the built entry.
    expect(JSON.parse(ops.find((i) => i.op === 'CMD')?.args ?? '[]')).toEqual(['node', ...START_FLAGS, 'dist/main.js']);
    expect(Object.keys(START_ENV).length).toBeGreaterThan(0);
    const envs = ops.filter((i) => i.op === 'ENV').map((i) => i.args);
    for (const [name, value] of Object.entries(START_ENV)) expect(envs.some((e) => e.split(/\s+/).includes(`${name}=${value}`))).toBe(true);

    const hc = ops.find((i) => i.op === 'HEALTHCHECK')?.args ?? '';
    const script = /CMD\s+node\s+-e\s+"(.*)"\s*$/.exec(hc)?.[1];
    expect(script).toContain('/healthz');
    const { port, server } = await healthServer();
    expect(await runProbe(['node', '-e', script ?? ''], { PORT: String(port) })).toBe(0);
    await server.close();
    expect(await runProbe(['node', '-e', script ?? ''], { PORT: String(port) })).toBe(1);
    expect(await runProbe(['node', '-e', script ?? ''], { PORT: String(await sickServer()) })).toBe(1);
  }, 60_000);
});

describe('docs/deploy.md', () => {
  const doc = read('docs/deploy.md');

  it('names only settings pingops reads', () => {
    const named = new Set([...doc.matchAll(/\b((?:PING|PINGOPS|WISPHUB|SLACK|DISCORD|SIM|NOC|HOOKS)_[A-Z0-9_]+)\b/g)].map((m) => m[1] ?? ''));
    expect([...named].filter((n) => !SETTING_NAMES.includes(n))).toEqual([]);
  });

  it('names only metrics /metrics serves', async () => {
    const status = { at: 0, summary: '', stretched: [], round: 0, roundStartedAt: null, lastRoundMs: null, plannedRoundMs: 0, budgetPerMin: 0, requestsLastMinute: 0, costPerCheck: 0, groups: [], single: [], watches: [], open: [], silences: [] } as WatcherStatus;
    const metrics = createMetrics({ inFlight: () => 0 });
    watchStore(metrics.registry, () => ({ state: 'ok' }));
    watchLeader(metrics.registry, () => 'leader');
    watchLeases(metrics.registry, () => [{ name: 'discord-gateway', role: 'leader' }]);
    watchChat(metrics.registry, () => [{ surface: 'slack', inMemory: 0, inStore: 0 }]);
    countHeldRequests(metrics.registry, HELD_REQUEST_OUTCOMES)('slack');
    const served = (await metrics.render()) + (await watcherRegistry(() => status).metrics());
    const names = new Set([...served.matchAll(/^(pingops_[a-z_]+)/gm)].map((m) => m[1]));
    const named = new Set([...doc.matchAll(/\b(pingops_[a-z_]+)\b/g)].map((m) => m[1] ?? ''));
    expect(named.size).toBeGreaterThan(3);
    expect([...named].filter((n) => !names.has(n))).toEqual([]);
  });

  it('is linked from the README', () => {
    expect(read('README.md')).toContain('](docs/deploy.md)');
  });
});
