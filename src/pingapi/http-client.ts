/**
 * The Ping API middleware over HTTP: its route layout (fixed, or detected from `/openapi.json`
 * or a probe, and once more after a redeploy), status mapping and the JWT re-login. Decisions
 * live in routes.ts, normalize.ts and faults.ts, retries in call-runner.ts; this file is the
 * shell that sends and waits.
 */
import type { PingApiAuth } from './auth.js';
import type { ClientRecord } from '../core/client.js';
import { PermanentError, toFault } from '../core/errors.js';
import type { TaskResult } from '../core/verdict.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { createAuthenticator } from './auth.js';
import { createCallRunner, type Call } from './call-runner.js';
import { faultForStatus, scrubber } from './faults.js';
import {
  isClientNotFound,
  isValidTaskId,
  normalizeClientAnswer,
  normalizeClientList,
  normalizeCreated,
  normalizeTaskResult,
  parseBody,
} from './normalize.js';
import {
  isGenericNotFound,
  layoutFromOpenApi,
  layoutFromProbe,
  PROBE_PATHS,
  routesFor,
  type RouteLayout,
  type RouteLayoutSetting,
  type Routes,
} from './routes.js';
import { createTransport, type Answer, type RequestContext, type RequestSpec } from './transport.js';
import { raceAbort } from '../util/abort.js';
import type { CallOptions, PingApi } from '../core/ping-api.js';

/** How to reach one Ping API deployment. */
export interface PingApiOptions {
  baseUrl: string;
  auth: PingApiAuth;
  /** Per HTTP request (each try, each login), not per call. */
  timeoutMs: number;
  logger: Logger;
  /** Retries after the first try of a transient fault (default 3). */
  retries?: number;
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Waits between retries; tests pass one that does not really wait. */
  clock?: Clock;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Which route layout to use; `auto` detects it (config default). Default `v1`. */
  layout?: RouteLayoutSetting;
}

/** The middleware client, which can also say which route layout it uses. */
export interface MiddlewareApi extends PingApi {
  /** The layout in use, detecting it first under `auto`; throws like any call when the API cannot be reached. */
  layout(opts?: CallOptions): Promise<RouteLayout>;
}

/** A generic 404 re-detects the layout (a redeploy) at most this often. */
export const REDETECT_MIN_MS = 30_000;

/** `/health` is a liveness probe: it must answer fast or count as down. */
const HEALTH_TIMEOUT_MS = 3_000;

const is2xx = (status: number) => status >= 200 && status < 300;

/** Builds a PingApi client for one middleware deployment. */
export function createPingApi(opts: PingApiOptions): MiddlewareApi {
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? Math.random;
  const logger = opts.logger;
  const defaultRetries = opts.retries ?? 3;
  const policy = { minMs: opts.minRetryDelayMs ?? 250, maxMs: opts.maxRetryDelayMs ?? 4000 };
  const transport = createTransport({ baseUrl: opts.baseUrl, logger, clock });
  const auth = createAuthenticator(opts.auth, { transport, logger, clock });
  const scrub = scrubber(() => auth.secrets());
  const run = createCallRunner({ logger, clock, random, retries: defaultRetries, policy, timeoutMs: opts.timeoutMs, scrub });

  const setting: RouteLayoutSetting = opts.layout ?? 'v1';
  let layout: RouteLayout | null = setting === 'auto' ? null : setting;
  let detection: Promise<RouteLayout> | null = null;
  let detectedAt = Number.NEGATIVE_INFINITY;

  /**
   * Reads `/openapi.json` (FastAPI serves it without auth); when that says nothing, probes a
   * look-up in each layout. A key is sent along (cheap, and some proxies want it); no login is
   * made just for this.
   */
  async function detect(ctx: RequestContext): Promise<RouteLayout> {
    const headers = auth.kind === 'key' ? (await auth.credentials(ctx)).headers : {};
    let found: RouteLayout | null = null;
    try {
      const a = await transport.send({ method: 'GET', path: '/openapi.json', headers }, ctx);
      const doc = is2xx(a.status) ? parseBody(a.text) : null;
      found = doc?.kind === 'value' ? layoutFromOpenApi(doc.value) : null;
    } catch (err) {
      if (ctx.signal?.aborted) throw err;
    }
    if (found) {
      logger.info({ layout: found, how: 'openapi' }, `Ping API route layout: ${found}`);
      return found;
    }
    const v1 = await transport.send({ method: 'GET', path: PROBE_PATHS.v1, headers }, ctx);
    const plain = await transport.send({ method: 'GET', path: PROBE_PATHS.plain, headers }, ctx);
    found = layoutFromProbe(v1, plain);
    logger.info({ layout: found, how: 'probe', v1Status: v1.status, plainStatus: plain.status }, `Ping API route layout: ${found}`);
    return found;
  }

  /** The layout to use; one detection at a time, shared by every call waiting for it. */
  async function currentLayout(ctx: RequestContext, again = false): Promise<RouteLayout> {
    if (layout && !again) return layout;
    if (!detection) {
      // Not bound to the first caller's signal: others wait on it too (each request has its timeout).
      const started = detect({ beforeRequest: ctx.beforeRequest, timeoutMs: ctx.timeoutMs })
        .then((found) => {
          layout = found;
          detectedAt = clock.now();
          return found;
        })
        .finally(() => {
          if (detection === started) detection = null;
        });
      started.catch(() => {});
      detection = started;
    }
    return raceAbort(detection, ctx.signal);
  }

  /**
   * Sends the request `build` makes for the current layout. Under `auto`, a generic 404 (no such
   * route: the API was redeployed with the other layout) re-detects once and resends if it changed.
   */
  async function routed(call: Call, build: (r: Routes) => RequestSpec): Promise<Answer> {
    const used = await currentLayout(call.ctx);
    const a = await authorized(build(routesFor(used)), call);
    if (setting !== 'auto' || call.redetected || !isGenericNotFound(a.status, a.text)) return a;
    if (clock.now() - detectedAt < REDETECT_MIN_MS) return a;
    call.redetected = true;
    call.log.info({ layout: used }, 'the Ping API answered "Not Found" for a route it should have; detecting its route layout again');
    const now = await currentLayout(call.ctx, true);
    return now === used ? a : authorized(build(routesFor(now)), call);
  }

  /** Sends with credentials; a JWT refused with 401/403 logs in again once and resends once. */
  async function authorized(spec: RequestSpec, call: Call): Promise<Answer> {
    const cred = await auth.credentials(call.ctx);
    const answer = await transport.send({ ...spec, headers: { ...spec.headers, ...cred.headers } }, call.ctx);
    if (answer.status !== 401 && answer.status !== 403) return answer;
    if (auth.kind !== 'jwt' || call.relogged) throw auth.rejected(answer.status);
    call.relogged = true;
    call.log.info({ status: answer.status }, 'the Ping API refused the token; logging in again');
    auth.invalidate(cred.token);
    const again = await auth.credentials(call.ctx);
    const second = await transport.send({ ...spec, headers: { ...spec.headers, ...again.headers } }, call.ctx);
    if (second.status === 401 || second.status === 403) throw auth.rejected(second.status);
    return second;
  }

  /** A single-client look-up: 404 and "client not found" answer null. */
  function lookUp(op: string, path: (r: Routes) => string, fields: Record<string, unknown>, o?: CallOptions): Promise<ClientRecord | null> {
    return run(op, fields, o, async (call) => {
      const a = await routed(call, (r) => ({ method: 'GET', path: path(r) }));
      if (a.status === 404) return null;
      if (is2xx(a.status)) return normalizeClientAnswer(a.status, a.text);
      if (a.status < 500 && isClientNotFound(a.text)) return null;
      throw faultForStatus(a.status, a.text, a.headers.get('retry-after'), clock.now(), 'client not found on the Ping API');
    }, 'lookup');
  }

  // Refused before any request: no API would accept these, and they must not reach a URL.
  const invalid = (message: string): Promise<never> => Promise.reject(new PermanentError('invalid', message));

  return {
    createTask(serviceId, packets, o) {
      if (!Number.isSafeInteger(serviceId) || serviceId <= 0) return invalid(`service id must be a positive whole number`);
      if (!Number.isSafeInteger(packets) || packets <= 0) return invalid(`packets must be a positive whole number`);
      return run('createTask', { serviceId, packets }, o, async (call) => {
        const a = await routed(call, (r) => ({ method: 'POST', path: r.create(serviceId), json: { pings: packets } }));
        if (is2xx(a.status) || a.status === 400) return normalizeCreated(a.status, a.text);
        throw faultForStatus(a.status, a.text, a.headers.get('retry-after'), clock.now(), `service ${serviceId} not found on the Ping API`);
      });
    },

    getResult(taskId, o): Promise<TaskResult> {
      if (!isValidTaskId(taskId)) return invalid('that is not a ping task id the Ping API hands out');
      return run('getResult', { taskId }, o, async (call) => {
        const a = await routed(call, (r) => ({ method: 'GET', path: r.result(taskId) }));
        if (is2xx(a.status) || a.status === 400) {
          const result = normalizeTaskResult(a.status, a.text);
          return result.message === null ? result : { ...result, message: scrub(result.message) };
        }
        throw faultForStatus(a.status, a.text, a.headers.get('retry-after'), clock.now(), `ping task ${taskId} not found on the Ping API`);
      });
    },

    clientByServiceId(serviceId, o) {
      if (!Number.isSafeInteger(serviceId) || serviceId <= 0) return Promise.resolve(null);
      return lookUp('clientByServiceId', (r) => r.byServiceId(serviceId), { serviceId }, o);
    },

    clientByDocument(document, o) {
      const doc = document.trim();
      if (doc === '') return Promise.resolve(null);
      return lookUp('clientByDocument', (r) => r.byDocument(doc), {}, o);
    },

    clientByPhone(phone, o) {
      const p = phone.trim();
      if (p === '') return Promise.resolve(null);
      return lookUp('clientByPhone', (r) => r.byPhone(p), {}, o);
    },

    searchClients(query, o) {
      return run('searchClients', {}, o, async (call) => {
        const a = await routed(call, (r) => ({ method: 'GET', path: r.search, query: { q: query } }));
        if (a.status === 404) return [];
        if (is2xx(a.status)) return normalizeClientList(a.status, a.text, call.log);
        if (a.status < 500 && isClientNotFound(a.text)) return [];
        throw faultForStatus(a.status, a.text, a.headers.get('retry-after'), clock.now(), 'client search not found on the Ping API');
      }, 'lookup');
    },

    listClients(o) {
      return run('listClients', {}, o, async (call) => {
        const path = routesFor(await currentLayout(call.ctx)).list;
        if (path === null) return null;
        const a = await routed(call, () => ({ method: 'GET', path }));
        if (is2xx(a.status)) return normalizeClientList(a.status, a.text, call.log);
        if (a.status === 404) return null;
        throw faultForStatus(a.status, a.text, a.headers.get('retry-after'), clock.now(), 'client list not found on the Ping API');
      }, 'lookup');
    },

    layout(o) {
      return run('layout', {}, o, (call) => currentLayout(call.ctx));
    },

    async health(o) {
      try {
        const a = await transport.send(
          { method: 'GET', path: '/health' },
          { signal: o?.signal, beforeRequest: o?.beforeRequest, timeoutMs: o?.timeoutMs ?? Math.min(opts.timeoutMs, HEALTH_TIMEOUT_MS) },
        );
        return is2xx(a.status);
      } catch (err) {
        logger.debug({ op: 'health', fault: toFault(err).kind }, 'ping api health check failed');
        return false;
      }
    },
  };
}
