/**
 * The built-in Ping API simulator: a real HTTP server that follows /work/shared/ping-api.md, so
 * the bot runs (and is tested) against the same wire it meets in production.
 *
 * Underneath, every task is modelled as WispHub does it (PENDING → PROCESS → SUCCESS/FAILURE
 * with a `result` list of `ping-k` packets); the answer is derived from that result with
 * `verdictFromWispHubTask`, never decided directly.
 *
 * Extensions beyond the documented contract, so every scenario works in both answer shapes:
 * - the envelope shape reports antenna-only as `{"ok":true,"type":"info","action":"antenna_only"}`;
 * - the status shape reports intermittent as `{"status":"intermittent","message":"…"}`;
 * - envelope 404s carry `action: "service_not_found"` / `"task_not_found"`; status-shape 404s `{"detail"}`;
 * - the status shape answers task creation with HTTP 202 (the contract allows 200 or 202);
 * - envelope pending answers rotate per task through every observed form, `null` body included.
 * Framework-level errors (auth, 405, 413, 422, unknown routes) are FastAPI's `{"detail": …}` in both shapes.
 *
 * Dialects (`dialect`): `v1` is the above, the documented routes; `plain` is the middleware's
 * code today (`/api/...`, bare bodies, `X-API-Key` only, `status: error` as 400 `{"detail"}`;
 * it reports intermittent as `{"status":"intermittent"}` too, an extension); `wisphub` is
 * WispHub's own API (`/api/clientes/...`, `/api/tasks/{id}/` with the packets, `Authorization:
 * Api-Key`, DRF pages and errors; an unknown task id is PENDING, as Celery answers).
 * `/openapi.json` lists the routes of the middleware dialects.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiVerdict } from '../core/verdict.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { createSimAuth, type SimAuthMode, type SimCredentials } from './auth.js';
import {
  allSimClients,
  findClientByDocument,
  findClientByPhone,
  probeTargetFor,
  searchSimClients,
  simClient,
  simDate,
  toWispHubClient,
  type WireClient,
} from './clients.js';
import type { OutageScript } from './outages.js';
import { scenarioFor } from './scenarios.js';
import { buildWispHubResult, failureReasonOf, verdictFromWispHubTask, wispHubTaskAt, type WispHubTimeline } from './wisphub.js';

export type SimShape = 'envelope' | 'status';

/** Which API the simulator speaks: the middleware's documented routes, its code today, or WispHub's own. */
export type SimDialect = 'v1' | 'plain' | 'wisphub';

export interface SimulatorOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Which API to speak. Default v1. */
  dialect?: SimDialect;
  /** With dialect v1, which server build to imitate: the documented envelope or the newer bare status answers. Default envelope. */
  shape?: SimShape;
  /** Default none. */
  auth?: SimAuthMode;
  apiKey?: string;
  /** Default `X-API-Key`. */
  apiKeyHeader?: string;
  username?: string;
  password?: string;
  /** JWT lifetime, judged on `clock`. Default 60 minutes. */
  tokenTtlMs?: number;
  /** Time factor: 10 makes tasks finish ten times sooner. Default 1. */
  speed?: number;
  clock?: Clock;
  /** Scripted outages (SIM_OUTAGES): they replace a client's own scenario while they hold. */
  outages?: OutageScript;
  /** Randomness for task durations and packet outcomes (not for clients or scenarios, which are fixed per id). */
  random?: () => number;
  logger: Logger;
}

export interface SimulatorStats {
  tasksCreated: number;
  polls: number;
  requests: number;
}

/** A running simulator. */
export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:43123` (no trailing slash). */
  url: string;
  port: number;
  /** Stops listening and closes idle and active connections. Safe to call twice. */
  close(): Promise<void>;
  stats(): SimulatorStats;
  /** What the simulator accepts: given or generated; null where the auth mode has none. */
  credentials: SimCredentials;
}

const MAX_BODY = 64 * 1024;
/** Bodies up to this size are drained before answering 413, so the client reads the answer, not a reset. */
const MAX_DRAIN = 1024 * 1024;
/** Oldest tasks are forgotten beyond this many, so a long-running simulator stays bounded. */
const MAX_TASKS = 10_000;

const EMPTY = Symbol('empty body');
type Body = unknown | typeof EMPTY;

/** Pending answers observed from different server builds; envelope-shape polls rotate through them. */
const PENDING_FORMS: readonly Body[] = [
  { action: 'pending' },
  { result: 'pending' },
  { status: 'pending', message: 'Ping task is still processing.' },
  EMPTY,
  null,
];

const STATUS_MESSAGES: Record<Exclude<ApiVerdict, 'failed'>, string> = {
  stable: 'Client device has an active connection.',
  intermittent: 'Client device answers with packet loss.',
  no_internet: 'Neither the client device nor the antenna answers.',
  antenna_only: 'Customer device is unreachable, but the main antenna has connection.',
};

const ENVELOPE_RESULTS: Record<Exclude<ApiVerdict, 'failed'>, { type: 'success' | 'info'; action: string }> = {
  stable: { type: 'success', action: 'stable_connection' },
  intermittent: { type: 'info', action: 'intermittent_connection' },
  no_internet: { type: 'info', action: 'no_internet' },
  antenna_only: { type: 'info', action: 'antenna_only' },
};

interface SimTask {
  id: string;
  serviceId: number;
  timeline: WispHubTimeline;
  pendingAnswers: number;
}

interface Reply {
  status: number;
  body: Body;
  headers?: Record<string, string>;
}

type RouteName =
  | 'health'
  | 'openapi'
  | 'token'
  | 'create'
  | 'result'
  | 'byServiceId'
  | 'byDocument'
  | 'byPhone'
  | 'search'
  | 'allClients'
  | 'whClients'
  | 'whClient'
  | 'whCreate'
  | 'whTask';

interface RouteDef {
  name: RouteName;
  method: string;
  pattern: RegExp;
  /** The route as FastAPI's `/openapi.json` lists it. */
  template?: string;
}

/** The middleware's routes under a prefix: `/api/v1` (documented) or `/api` (the code today). */
function middlewareRoutes(p: string, withLogin: boolean): RouteDef[] {
  const e = p.replace(/\//g, '\\/');
  const r = (name: RouteName, method: string, tail: string, template: string): RouteDef => ({
    name,
    method,
    pattern: new RegExp(`^${e}${tail}\\/?$`),
    template: `${p}${template}`,
  });
  return [
    { name: 'health', method: 'GET', pattern: /^\/health\/?$/, template: '/health' },
    { name: 'openapi', method: 'GET', pattern: /^\/openapi\.json$/ },
    ...(withLogin ? [r('token', 'POST', '\\/auth\\/token', '/auth/token')] : []),
    r('result', 'GET', '\\/ping\\/([^/]+)', '/ping/{task_id}/'),
    r('create', 'POST', '\\/([^/]+)\\/ping', '/{service_id}/ping/'),
    r('byServiceId', 'GET', '\\/clients\\/by-service-id\\/([^/]+)', '/clients/by-service-id/{service_id}'),
    r('byDocument', 'GET', '\\/clients\\/by-document\\/([^/]+)', '/clients/by-document/{document}'),
    r('byPhone', 'GET', '\\/clients\\/by-phone\\/([^/]+)', '/clients/by-phone/{phone}'),
    r('search', 'GET', '\\/clients\\/search', '/clients/search'),
    ...(withLogin ? [] : [r('allClients', 'GET', '\\/clients', '/clients/')]),
  ];
}

const ROUTES: Readonly<Record<SimDialect, readonly RouteDef[]>> = {
  v1: middlewareRoutes('/api/v1', true),
  plain: middlewareRoutes('/api', false),
  wisphub: [
    { name: 'whClients', method: 'GET', pattern: /^\/api\/clientes\/?$/ },
    { name: 'whCreate', method: 'POST', pattern: /^\/api\/clientes\/([^/]+)\/ping\/?$/ },
    { name: 'whClient', method: 'GET', pattern: /^\/api\/clientes\/([^/]+)\/?$/ },
    { name: 'whTask', method: 'GET', pattern: /^\/api\/tasks\/([^/]+)\/?$/ },
  ],
};

/** A minimal OpenAPI document listing a dialect's routes, as FastAPI serves it. */
function openApiOf(routes: readonly RouteDef[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    if (!r.template) continue;
    (paths[r.template] ??= {})[r.method.toLowerCase()] = { operationId: r.name };
  }
  return { openapi: '3.1.0', info: { title: 'WispHub Local API', version: '1.0.0' }, paths };
}

/** Starts a simulator listening on `host:port` (default 127.0.0.1, any free port). */
export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const dialect: SimDialect = opts.dialect ?? 'v1';
  // The plain layout answers bare bodies: the newer builds' shape.
  const shape: SimShape = dialect === 'plain' ? 'status' : (opts.shape ?? 'envelope');
  const routes = ROUTES[dialect];
  const speed = opts.speed ?? 1;
  if (!(Number.isFinite(speed) && speed > 0)) throw new RangeError('simulator speed must be a positive number');
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? Math.random;
  const log = opts.logger.child({ component: 'sim', dialect, shape });
  const auth = createSimAuth({
    mode: opts.auth ?? 'none',
    clock,
    ...(opts.apiKey !== undefined && { apiKey: opts.apiKey }),
    ...(opts.apiKeyHeader !== undefined && { apiKeyHeader: opts.apiKeyHeader }),
    ...(dialect === 'wisphub' && { apiKeyHeader: 'Authorization', apiKeyScheme: 'Api-Key' }),
    ...(opts.username !== undefined && { username: opts.username }),
    ...(opts.password !== undefined && { password: opts.password }),
    ...(opts.tokenTtlMs !== undefined && { tokenTtlMs: opts.tokenTtlMs }),
  });
  const tasks = new Map<string, SimTask>();
  const stats: SimulatorStats = { tasksCreated: 0, polls: 0, requests: 0 };

  const createTask = (serviceId: number, packets: number): Reply => {
    const client = simClient(serviceId, simDate(clock.now()));
    const scenario = scenarioFor(serviceId) && (opts.outages?.scenarioAt(serviceId, client?.zone_id ?? null, clock.now()) ?? scenarioFor(serviceId));
    if (scenario === null || client === null) {
      if (dialect === 'plain') return { status: 400, body: { detail: 'Ping failed. No se pudo obtener el task_id.' } };
      if (dialect === 'wisphub') return { status: 404, body: { detail: 'No encontrado.' } };
      return shape === 'envelope'
        ? { status: 404, body: envelope(false, 'error', 'service_not_found', null, 'Service not found') }
        : { status: 404, body: { detail: 'Service not found' } };
    }
    const device = 'device' in scenario ? scenario.device : 'ip';
    // About a second per packet plus the router's and the queue's overhead, scaled by `speed`.
    const durationMs = (packets * 1000 + 300 + random() * 1200) / speed;
    const queuedMs = Math.min(durationMs, (100 + random() * 400) / speed);
    const final = scenario.outcome === 'never' ? null : buildWispHubResult(scenario, packets, probeTargetFor(client, device), random);
    const task: SimTask = { id: randomUUID(), serviceId, timeline: { createdAt: clock.now(), queuedMs, durationMs, final }, pendingAnswers: 0 };
    tasks.set(task.id, task);
    if (tasks.size > MAX_TASKS) {
      const oldest = tasks.keys().next().value;
      if (oldest !== undefined) tasks.delete(oldest);
    }
    stats.tasksCreated++;
    log.debug({ taskId: task.id, serviceId, scenario: scenario.outcome, packets, durationMs: Math.round(durationMs) }, 'sim task created');
    if (dialect === 'plain') return { status: 200, body: { task_id: task.id } };
    if (dialect === 'wisphub') return { status: 202, body: { task_id: task.id, status: 'PROCESS' } };
    return shape === 'envelope'
      ? { status: 200, body: envelope(true, 'success', 'ping_created', { task_id: task.id }, null, true) }
      : { status: 202, body: { task_id: task.id } };
  };

  const readResult = (taskId: string): Reply => {
    const task = tasks.get(taskId);
    if (!task) {
      return shape === 'envelope'
        ? { status: 404, body: envelope(false, 'error', 'task_not_found', null, 'Task not found', true) }
        : { status: 404, body: { detail: 'Task not found' } };
    }
    const wh = wispHubTaskAt(task.timeline, clock.now());
    const verdict = verdictFromWispHubTask(wh);
    log.debug({ taskId: task.id, serviceId: task.serviceId, wisphub: wh.status, verdict }, 'sim task polled');
    if (verdict === 'pending') {
      if (shape === 'status') return { status: 200, body: { status: 'pending', message: 'Ping task is still processing.' } };
      const form = PENDING_FORMS[task.pendingAnswers++ % PENDING_FORMS.length];
      return { status: 200, body: form === undefined ? EMPTY : form };
    }
    if (verdict === 'failed') {
      const reason = failureReasonOf(wh) ?? 'ping failed';
      if (dialect === 'plain') {
        // The middleware today says only this for router errors.
        return { status: 400, body: { detail: wh.status === 'SUCCESS' ? 'MikroTik interface error.' : `Ping failed: ${reason}` } };
      }
      return shape === 'envelope'
        ? { status: 200, body: envelope(false, 'error', 'ping_failed', null, reason, true) }
        : { status: 400, body: { detail: `Ping failed: ${reason}` } };
    }
    if (shape === 'status') return { status: 200, body: { status: verdict, message: STATUS_MESSAGES[verdict] } };
    const { type, action } = ENVELOPE_RESULTS[verdict];
    return { status: 200, body: envelope(true, type, action, null, null, true) };
  };

  /** WispHub's own task answer: the packets, as the middleware reads them. */
  const readWispHubTask = (taskId: string): Reply => {
    const task = tasks.get(taskId);
    if (!task) return { status: 200, body: { task: { status: 'PENDING', result: null } } };
    const wh = wispHubTaskAt(task.timeline, clock.now());
    log.debug({ taskId: task.id, serviceId: task.serviceId, wisphub: wh.status }, 'sim task polled');
    return { status: 200, body: { task: wh } };
  };

  const route = async (req: IncomingMessage, name: RouteName, param: string, query: URLSearchParams, base: string): Promise<Reply> => {
    if (name === 'health') return { status: 200, body: dialect === 'plain' ? { status: 'ok', service: 'WispHub Local API' } : { status: 'ok' } };
    if (name === 'openapi') return { status: 200, body: openApiOf(routes) };
    if (name === 'token') {
      if (auth.mode !== 'jwt') return notFound();
      const body = await readBody(req);
      if (!body.ok) return body.reply;
      const form = new URLSearchParams(body.text);
      const username = form.get('username');
      const password = form.get('password');
      const missing = [username === null && missingField(['body', 'username']), password === null && missingField(['body', 'password'])].filter(Boolean);
      if (username === null || password === null) return { status: 422, body: { detail: missing } };
      const token = auth.login(username, password);
      if (!token) return { status: 401, body: { detail: 'Incorrect username or password' }, headers: { 'www-authenticate': 'Bearer' } };
      log.debug({ route: name }, 'sim token issued');
      return { status: 200, body: token };
    }

    const allowed = auth.check(req.headers);
    if (!allowed.ok) {
      if (dialect === 'plain') return { status: 403, body: { detail: 'API Key inválida o ausente.' } };
      if (dialect === 'wisphub') {
        const given = req.headers.authorization !== undefined;
        return { status: 403, body: { detail: given ? 'Clave API inválida.' : 'Las credenciales de autenticación no se proveyeron.' } };
      }
      return { status: allowed.status, body: { detail: allowed.detail }, headers: allowed.headers };
    }

    const today = simDate(clock.now());
    switch (name) {
      case 'whCreate': {
        const serviceId = parsePathInt(param);
        const body = await readBody(req);
        if (!body.ok) return body.reply;
        const pings = validatePings(body.text);
        if (!pings.ok) return { status: 400, body: { pings: [String((pings.error as { msg?: unknown }).msg ?? 'invalid')] } };
        if (serviceId === 'invalid') return { status: 404, body: { detail: 'No encontrado.' } };
        return createTask(serviceId, pings.value);
      }
      case 'whTask':
        stats.polls++;
        return readWispHubTask(param);
      case 'whClient': {
        const id = parsePathInt(param);
        const client = id === 'invalid' ? null : simClient(id, today);
        return client ? { status: 200, body: toWispHubClient(client) } : { status: 404, body: { detail: 'No encontrado.' } };
      }
      case 'whClients':
        return wispHubPage(allSimClients(today), query, base);
      case 'allClients':
        return { status: 200, body: allSimClients(today) };
      case 'create': {
        const errors: unknown[] = [];
        const serviceId = parsePathInt(param);
        if (serviceId === 'invalid') errors.push(intParsing(['path', 'service_id'], param));
        const body = await readBody(req);
        if (!body.ok) return body.reply;
        const pings = validatePings(body.text);
        if (!pings.ok) errors.push(pings.error);
        if (errors.length > 0 || !pings.ok || serviceId === 'invalid') return { status: 422, body: { detail: errors } };
        return createTask(serviceId, pings.value);
      }
      case 'result':
        stats.polls++;
        return readResult(param);
      case 'byServiceId': {
        const id = parsePathInt(param);
        if (id === 'invalid') return { status: 422, body: { detail: [intParsing(['path', 'service_id'], param)] } };
        return clientReply(simClient(id, today), dialect);
      }
      case 'byDocument':
        return clientReply(findClientByDocument(param, today), dialect);
      case 'byPhone':
        return clientReply(findClientByPhone(param, today), dialect);
      case 'search': {
        const q = query.get('q');
        if (q === null) return { status: 422, body: { detail: [missingField(['query', 'q'])] } };
        const found = searchSimClients(q, today);
        if (dialect === 'plain') return { status: 200, body: found };
        return { status: 200, body: { ok: true, type: 'success', action: 'clients_listed', data: found, message: null } };
      }
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    stats.requests++;
    const raw = req.url ?? '/';
    const qAt = raw.indexOf('?');
    const path = qAt === -1 ? raw : raw.slice(0, qAt);
    const query = new URLSearchParams(qAt === -1 ? '' : raw.slice(qAt + 1));
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');

    let reply: Reply;
    let routeName: RouteName | null = null;
    const matches = routes.map((r) => ({ r, m: r.pattern.exec(path) })).filter((x) => x.m !== null);
    const hit = matches.find((x) => x.r.method === method);
    if (hit) {
      routeName = hit.r.name;
      reply = await route(req, hit.r.name, lenientDecode(hit.m?.[1] ?? ''), query, `http://${req.headers.host ?? '127.0.0.1'}`);
    } else if (matches.length > 0) {
      const allow = [...new Set(matches.map((x) => x.r.method))].join(', ');
      reply = { status: 405, body: { detail: 'Method Not Allowed' }, headers: { allow } };
    } else {
      reply = notFound();
    }
    log.debug({ method: req.method, path: path.slice(0, 200), route: routeName, status: reply.status }, 'sim request');
    send(res, reply, req.method === 'HEAD');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err, path: (req.url ?? '').slice(0, 200) }, 'sim handler failed');
      if (!res.headersSent) send(res, { status: 500, body: { detail: 'Internal Server Error' } }, false);
      else res.destroy();
    });
  });
  server.requestTimeout = 30_000;
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    log.debug({ err: err.message, code: err.code }, 'sim client error');
    if (socket.writable && err.code !== 'ECONNRESET') {
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    } else {
      socket.destroy();
    }
  });

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${urlHost(host)}:${port}`;
  log.debug({ url, auth: auth.mode, speed }, 'sim listening');

  return {
    url,
    port,
    credentials: auth.credentials,
    stats: () => ({ ...stats }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err?: NodeJS.ErrnoException) => (err && err.code !== 'ERR_SERVER_NOT_RUNNING' ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function envelope(ok: boolean, type: string, action: string, data: unknown, message: string | null, withMeta = false): Record<string, unknown> {
  return withMeta ? { ok, type, action, data, message, meta: null } : { ok, type, action, data, message };
}

function clientReply(client: WireClient | null, dialect: SimDialect): Reply {
  if (dialect === 'plain') return client ? { status: 200, body: client } : { status: 404, body: { detail: 'client_not_found' } };
  return client
    ? { status: 200, body: envelope(true, 'success', 'client_found', client, null) }
    : { status: 404, body: envelope(false, 'error', 'client_not_found', null, 'Client not found') };
}

/** Most clients one WispHub page carries. */
const MAX_PAGE = 500;

/** A DRF page of WispHub clients; `next` is plain http, as WispHub's own links often are. */
function wispHubPage(all: WireClient[], query: URLSearchParams, base: string): Reply {
  const num = (name: string, def: number) => {
    const v = query.get(name);
    const n = v === null || !/^\d+$/.test(v) ? def : Number(v);
    return Number.isSafeInteger(n) ? n : def;
  };
  const limit = Math.max(1, Math.min(MAX_PAGE, num('limit', 50)));
  const offset = num('offset', 0);
  const page = all.slice(offset, offset + limit).map(toWispHubClient);
  const link = (o: number) => `${base}/api/clientes/?limit=${limit}&offset=${o}`;
  return {
    status: 200,
    body: {
      count: all.length,
      next: offset + limit < all.length ? link(offset + limit) : null,
      previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
      results: page,
    },
  };
}

function notFound(): Reply {
  return { status: 404, body: { detail: 'Not Found' } };
}

function missingField(loc: (string | number)[]): Record<string, unknown> {
  return { type: 'missing', loc, msg: 'Field required', input: null };
}

function intParsing(loc: (string | number)[], input: string): Record<string, unknown> {
  return { type: 'int_parsing', loc, msg: 'Input should be a valid integer, unable to parse string as an integer', input: input.slice(0, 100) };
}

/** An integer path segment (FastAPI's `int` path parameter), or 'invalid'. */
function parsePathInt(s: string): number | 'invalid' {
  const t = s.trim();
  if (!/^[+-]?\d+$/.test(t)) return 'invalid';
  const n = Number(t);
  // Absurdly large ids are valid integers that simply name no service.
  return Number.isSafeInteger(n) ? n : Number.MAX_SAFE_INTEGER;
}

/** Validates `{"pings": N}` with N an integer in 1..20, with pydantic-style error items. */
function validatePings(text: string): { ok: true; value: number } | { ok: false; error: Record<string, unknown> } {
  if (text.trim() === '') return { ok: false, error: missingField(['body']) };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    const error = err instanceof Error ? err.message : 'JSON decode error';
    return { ok: false, error: { type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {}, ctx: { error } } };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, error: { type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: body } };
  }
  if (!('pings' in body)) return { ok: false, error: { ...missingField(['body', 'pings']), input: body } };
  const pings: unknown = (body as { pings: unknown }).pings;
  const loc = ['body', 'pings'];
  if (typeof pings !== 'number') return { ok: false, error: { type: 'int_type', loc, msg: 'Input should be a valid integer', input: pings } };
  if (!Number.isInteger(pings)) {
    return { ok: false, error: { type: 'int_from_float', loc, msg: 'Input should be a valid integer, got a number with a fractional part', input: pings } };
  }
  if (pings < 1) return { ok: false, error: { type: 'greater_than_equal', loc, msg: 'Input should be greater than or equal to 1', input: pings, ctx: { ge: 1 } } };
  if (pings > 20) return { ok: false, error: { type: 'less_than_equal', loc, msg: 'Input should be less than or equal to 20', input: pings, ctx: { le: 20 } } };
  return { ok: true, value: pings };
}

/** Reads a request body of at most 64 KiB; larger ones answer 413 (after draining, when small enough to). */
function readBody(req: IncomingMessage): Promise<{ ok: true; text: string } | { ok: false; reply: Reply }> {
  const tooLarge: Reply = { status: 413, body: { detail: 'Request body too large' }, headers: { connection: 'close' } };
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_DRAIN) {
    req.pause();
    return Promise.resolve({ ok: false, reply: tooLarge });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
      else if (size > MAX_DRAIN) {
        req.pause();
        resolve({ ok: false, reply: tooLarge });
      }
    });
    req.on('end', () => resolve(size > MAX_BODY ? { ok: false, reply: tooLarge } : { ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', () => resolve({ ok: false, reply: tooLarge }));
  });
}

function send(res: ServerResponse, reply: Reply, headOnly: boolean): void {
  if (res.destroyed) return;
  const text = reply.body === EMPTY ? '' : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...reply.headers,
  });
  // With `connection: close` (refused bodies) Node ends the socket once this answer is out.
  res.end(headOnly ? undefined : text);
}

function lenientDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
