/**
 * WispHub's own API as a PingApi, for ISPs without the middleware: ping tasks are created and
 * read on WispHub, and pingops computes the verdict, loss and RTT from the packets. The
 * transport, typed faults, retries and scrubbing are the middleware client's; the decisions are
 * in verdict-from-packets.ts, client-mapper.ts and client-search.ts.
 */
import type { CallOptions, PingApi } from '../../core/ping-api.js';
import type { ClientRecord } from '../../core/client.js';
import { PermanentError, TransientError, toFault } from '../../core/errors.js';
import type { TaskResult } from '../../core/verdict.js';
import { raceAbort } from '../../util/abort.js';
import { systemClock, type Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { Secret } from '../../util/secret.js';
import { createCallRunner, type Call } from '../call-runner.js';
import { describeDetail, isValidTaskId, parseBody } from '../normalize.js';
import { faultForStatus, scrubber } from '../faults.js';
import { createTransport, type Answer, type RequestSpec } from '../transport.js';
import { readClientPage, readWispHubClient } from './client-mapper.js';
import { findByDocument, findByPhone, searchClients } from './client-search.js';
import { readWispHubTask } from './verdict-from-packets.js';

const WHO = 'WispHub';

/** How to reach WispHub. */
export interface WispHubApiOptions {
  baseUrl: string;
  key: Secret;
  /** Per HTTP request. */
  timeoutMs: number;
  logger: Logger;
  /** Client packet loss (%) from which a line that answers is intermittent. */
  intermittentLossPct: number;
  /** How long the client list (for look-ups by name, phone, document) is used before a refresh. */
  clientsTtlMs: number;
  /** The shared request budget, for the pages of the client list (people first, refreshes last). */
  budget?: { take(priority: 'high' | 'low', signal?: AbortSignal): Promise<void> };
  retries?: number;
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  clock?: Clock;
  random?: () => number;
  /** Clients per page (default 250) and pages per refresh at most (default 40: 10,000 clients). */
  pageSize?: number;
  maxPages?: number;
}

const is2xx = (status: number) => status >= 200 && status < 300;
const seg = (v: string | number) => encodeURIComponent(String(v));

/** Reads WispHub's answer to creating a ping task: `{"task_id": "...", "status": "PROCESS"}`. */
export function readCreatedTask(status: number, bodyText: string): { taskId: string } {
  const parsed = parseBody(bodyText);
  const taskId = parsed.kind === 'value' && typeof parsed.value === 'object' && parsed.value !== null ? (parsed.value as Record<string, unknown>)['task_id'] : undefined;
  if (typeof taskId !== 'string' || !isValidTaskId(taskId)) {
    throw new TransientError('malformed', 'WispHub answered a created ping task that could not be read', status);
  }
  return { taskId };
}

/** The WispHub provider, which can also load its client list ahead of the first look-up. */
export interface WispHubApi extends PingApi {
  /** Loads the client list in the background (refreshes compete last for the budget); never throws. */
  preloadClients(): Promise<void>;
}

/** Builds the WispHub provider. */
export function createWispHubApi(opts: WispHubApiOptions): WispHubApi {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger;
  const pageSize = opts.pageSize ?? 250;
  const maxPages = opts.maxPages ?? 40;
  const rule = { intermittentLossPct: opts.intermittentLossPct };
  const transport = createTransport({ baseUrl: opts.baseUrl, logger, clock, naming: { who: WHO, urlSetting: 'WISPHUB_API_URL' } });
  const scrub = scrubber(() => [opts.key.reveal()]);
  const run = createCallRunner({
    logger,
    clock,
    random: opts.random ?? Math.random,
    retries: opts.retries ?? 3,
    policy: { minMs: opts.minRetryDelayMs ?? 250, maxMs: opts.maxRetryDelayMs ?? 4000 },
    timeoutMs: opts.timeoutMs,
    scrub,
  });

  /** Sends with the key; a refused key is permanent (no login to retry). */
  async function send(spec: RequestSpec, call: Call): Promise<Answer> {
    const a = await transport.send({ ...spec, headers: { authorization: `Api-Key ${opts.key.reveal()}` } }, call.ctx);
    if (a.status === 401 || a.status === 403) {
      throw new PermanentError('auth', `WispHub rejected the API key (HTTP ${a.status}): check WISPHUB_API_KEY`, a.status);
    }
    return a;
  }

  const fault = (a: Answer, notFound: string) => faultForStatus(a.status, a.text, a.headers.get('retry-after'), clock.now(), notFound, WHO);

  // --- the client list: WispHub has no look-up by phone or document, so pingops keeps a copy.
  let list: { clients: ClientRecord[]; at: number } | null = null;
  let loading: Promise<ClientRecord[]> | null = null;

  /** Every client, page by page with our own offsets (`next` may point at plain http). */
  async function loadAll(priority: 'high' | 'low'): Promise<ClientRecord[]> {
    const budget = opts.budget;
    const o: CallOptions = budget ? { beforeRequest: (signal) => budget.take(priority, signal) } : {};
    const clients: ClientRecord[] = [];
    let offset = 0;
    for (let page = 0; ; page++) {
      if (page >= maxPages) {
        logger.warn({ pages: page, clients: clients.length }, 'WispHub client list longer than pingops pages through; look-ups by name, phone and document see only these');
        break;
      }
      const p = await run('listClients', { offset }, o, async (call) => {
        const a = await send({ method: 'GET', path: '/api/clientes/', query: { limit: String(pageSize), offset: String(offset) } }, call);
        if (is2xx(a.status)) return readClientPage(a.status, a.text, call.log);
        throw fault(a, 'WispHub has no client list at /api/clientes/');
      }, 'lookup');
      clients.push(...p.clients);
      offset += p.items;
      if (p.items === 0 || offset >= p.count) break;
    }
    return clients;
  }

  function refresh(priority: 'high' | 'low'): Promise<ClientRecord[]> {
    if (!loading) {
      const started = loadAll(priority)
        .then((clients) => {
          list = { clients, at: clock.now() };
          logger.info({ clients: clients.length }, 'WispHub client list loaded');
          return clients;
        })
        .finally(() => {
          if (loading === started) loading = null;
        });
      started.catch((err: unknown) => logger.warn({ fault: toFault(err).kind }, 'WispHub client list could not be loaded'));
      loading = started;
    }
    return loading;
  }

  /** The cached list; a stale one is answered at once and refreshed in the background. */
  async function allClients(o?: CallOptions): Promise<ClientRecord[]> {
    if (list) {
      if (clock.now() - list.at >= opts.clientsTtlMs) void refresh('low').catch(() => {});
      return list.clients;
    }
    return raceAbort(refresh('high'), o?.signal);
  }

  const invalid = (message: string): Promise<never> => Promise.reject(new PermanentError('invalid', message));

  return {
    createTask(serviceId, packets, o) {
      if (!Number.isSafeInteger(serviceId) || serviceId <= 0) return invalid('service id must be a positive whole number');
      if (!Number.isSafeInteger(packets) || packets <= 0) return invalid('packets must be a positive whole number');
      return run('createTask', { serviceId, packets }, o, async (call) => {
        const a = await send({ method: 'POST', path: `/api/clientes/${seg(serviceId)}/ping/`, json: { pings: packets } }, call);
        if (is2xx(a.status)) return readCreatedTask(a.status, a.text);
        if (a.status === 400) {
          const detail = describeDetail(a.text);
          throw new PermanentError('rejected', `WispHub could not create the ping task${detail ? `: ${detail}` : ' (HTTP 400)'}`, a.status);
        }
        throw fault(a, `service ${serviceId} not found on WispHub`);
      }, 'lookup');
    },

    getResult(taskId, o): Promise<TaskResult> {
      if (!isValidTaskId(taskId)) return invalid('that is not a ping task id WispHub hands out');
      return run('getResult', { taskId }, o, async (call) => {
        const a = await send({ method: 'GET', path: `/api/tasks/${seg(taskId)}/` }, call);
        if (is2xx(a.status)) {
          const result = readWispHubTask(a.status, a.text, rule);
          return result.message === null ? result : { ...result, message: scrub(result.message) };
        }
        throw fault(a, `ping task ${taskId} not found on WispHub`);
      });
    },

    clientByServiceId(serviceId, o) {
      if (!Number.isSafeInteger(serviceId) || serviceId <= 0) return Promise.resolve(null);
      return run('clientByServiceId', { serviceId }, o, async (call) => {
        const a = await send({ method: 'GET', path: `/api/clientes/${seg(serviceId)}/` }, call);
        if (a.status === 404) return null;
        if (is2xx(a.status)) return readWispHubClient(a.status, a.text);
        throw fault(a, `service ${serviceId} not found on WispHub`);
      });
    },

    async clientByDocument(document, o) {
      const doc = document.trim();
      return doc === '' ? null : findByDocument(await allClients(o), doc);
    },

    async clientByPhone(phone, o) {
      const p = phone.trim();
      return p === '' ? null : findByPhone(await allClients(o), p);
    },

    async searchClients(query, o) {
      return query.trim() === '' ? [] : searchClients(await allClients(o), query);
    },

    async preloadClients() {
      // The first name search (a Discord autocomplete has 3 s) should not wait for every page.
      await refresh('low').then(
        () => undefined,
        () => undefined,
      );
    },

    listClients(o) {
      return allClients(o);
    },

    async health(o) {
      try {
        return await run('health', {}, { ...o, retries: 0 }, async (call) => {
          const a = await send({ method: 'GET', path: '/api/clientes/', query: { limit: '1', offset: '0' } }, call);
          return is2xx(a.status);
        });
      } catch (err) {
        logger.debug({ op: 'health', fault: toFault(err).kind }, 'WispHub health check failed');
        return false;
      }
    },
  };
}
