import { describe, expect, it } from 'vitest';
import { roomyQueue } from '../../support/queue.js';
import { PermanentError, TransientError } from '../../../src/core/errors.js';
import { createPingService } from '../../../src/core/ping-service.js';
import { createWispHubApi, type WispHubApiOptions } from '../../../src/pingapi/wisphub/wisphub-client.js';
import { systemClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { Secret } from '../../../src/util/secret.js';
import { fixture } from '../../fakes/fake-ping-api.js';
import { InstantClock, captureLogs, rejectionOf, retryRecorder, useFakePingApi } from '../helpers.js';

const KEY = 'wh-key-Secret-4242';
const TASK = '7f4c2a9e-3b1d-4e8a-9c55-0d6e2f1a8b34';
const CREATE = /^\/api\/clientes\/\d+\/ping\/$/;
const TASKS = /^\/api\/tasks\/[^/]+\/$/;

const api = useFakePingApi();

/** An instant clock whose time the test sets (for the client list's TTL). */
class SettableClock extends InstantClock {
  t = 1_700_000_000_000;
  override now(): number {
    return this.t;
  }
}

const client = (over: Partial<WispHubApiOptions> = {}) =>
  createWispHubApi({
    baseUrl: api.url,
    key: new Secret(KEY),
    timeoutMs: 2000,
    logger: silentLogger,
    intermittentLossPct: 20,
    clientsTtlMs: 600_000,
    minRetryDelayMs: 1,
    maxRetryDelayMs: 5,
    ...over,
  });

const whClient = (id: number, nombre: string, extra: Record<string, unknown> = {}) => ({ id_servicio: id, nombre, estado: 'Activo', ...extra });

describe('WispHub direct: the wire', () => {
  it('creates a task with {"pings": N} and Authorization: Api-Key, reading the 202', async () => {
    api.route('POST', CREATE, { status: 202, body: { task_id: TASK, status: 'PROCESS' } });
    await expect(client().createTask(1001, 6)).resolves.toEqual({ taskId: TASK });
    const req = api.requests[0];
    expect(req?.path).toBe('/api/clientes/1001/ping/');
    expect(req?.headers.authorization).toBe(`Api-Key ${KEY}`);
    expect(JSON.parse(req?.body ?? '')).toEqual({ pings: 6 });
  });

  it('polls /api/tasks/{id}/ and computes the verdict, loss and RTT from the packets', async () => {
    api.routeSequence('GET', TASKS, { status: 200, body: fixture('wisphub-task-process.json') }, { status: 200, body: fixture('wisphub-task-intermittent.json') });
    await expect(client().getResult(TASK)).resolves.toEqual({ kind: 'pending', message: null });
    await expect(client().getResult(TASK)).resolves.toEqual({ kind: 'final', verdict: 'intermittent', message: null, lossPct: 60, rttMs: 49.5 });
    expect(api.requests.map((r) => r.path)).toEqual([`/api/tasks/${TASK}/`, `/api/tasks/${TASK}/`]);
  });

  it('a router error string is the failed verdict with the router\'s words', async () => {
    api.route('GET', TASKS, { status: 200, body: fixture('wisphub-task-router-error.json') });
    await expect(client().getResult(TASK)).resolves.toMatchObject({ kind: 'final', verdict: 'failed', message: 'input does not match any value of interface' });
  });

  it('reads one client by id, with router, sector and zone name', async () => {
    api.route('GET', '/api/clientes/1008/', {
      status: 200,
      body: whClient(1008, 'Diana Patiño', { zona: { id: 8, nombre: 'Sogamoso 8' }, router: { id: 8, nombre: 'RB-8', falla_general: true, falla_general_descripcion: 'Corte de fibra' }, sectorial: null }),
    });
    await expect(client().clientByServiceId(1008)).resolves.toMatchObject({
      serviceId: 1008,
      name: 'Diana Patiño',
      paymentStatus: 'Activo',
      router: { id: 8, name: 'RB-8', generalFault: 'Corte de fibra' },
      sector: null,
      zoneName: 'Sogamoso 8',
    });
  });

  it('an unknown client is null, not an error', async () => {
    api.route('GET', '/api/clientes/9999/', { status: 404, body: { detail: 'No encontrado.' } });
    await expect(client().clientByServiceId(9999)).resolves.toBeNull();
  });
});

describe('WispHub direct: bad answers give the same typed errors as the middleware', () => {
  it.each([
    ['403 on create', 'POST', CREATE, { status: 403, body: { detail: 'Clave API inválida.' } }, 'auth', 'WispHub rejected the API key (HTTP 403): check WISPHUB_API_KEY'],
    ['401 on a poll', 'GET', TASKS, { status: 401, body: { detail: 'Las credenciales de autenticación no se proveyeron.' } }, 'auth', 'WispHub rejected the API key (HTTP 401): check WISPHUB_API_KEY'],
    ['404 on create', 'POST', CREATE, { status: 404, body: { detail: 'No encontrado.' } }, 'not_found', 'service 1001 not found on WispHub'],
    ['400 on create', 'POST', CREATE, { status: 400, body: { pings: ['Asegúrese de que este valor es menor o igual a 20.'] } }, 'rejected', 'WispHub could not create the ping task (HTTP 400)'],
    ['404 on a poll', 'GET', TASKS, { status: 404, body: { detail: 'No encontrado.' } }, 'not_found', `ping task ${TASK} not found on WispHub`],
  ] as const)('%s is permanent: thrown at once, never retried', async (_n, method, path, response, kind, message) => {
    api.route(method, path, response);
    const retries = retryRecorder();
    const call = method === 'POST' ? client().createTask(1001, 4, { onRetry: retries.onRetry }) : client().getResult(TASK, { onRetry: retries.onRetry });
    const err = await rejectionOf(call);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ kind, message });
    expect(api.requests).toHaveLength(1);
    expect(retries.calls).toEqual([]);
  });

  it.each([
    ['HTML from a proxy', { status: 200, body: '<html><body><h1>Bienvenido a WispHub</h1></body></html>', headers: { 'content-type': 'text/html' } }],
    ['a list', { status: 200, body: [] }],
    ['a task without status', { status: 200, body: { task: { result: [] } } }],
    ['SUCCESS without packets list', { status: 200, body: { task: { status: 'SUCCESS', result: 'ok' } } }],
  ])('%s on a poll is malformed: retried, then a TransientError', async (_n, response) => {
    api.route('GET', TASKS, response);
    const retries = retryRecorder();
    const err = await rejectionOf(client({ retries: 2 }).getResult(TASK, { onRetry: retries.onRetry }));
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ kind: 'malformed', message: 'WispHub answered a ping task that could not be read' });
    expect(retries.calls.map((c) => c.fault.kind)).toEqual(['malformed', 'malformed']);
    expect(api.requests).toHaveLength(3);
  });

  it('a created task without a usable task_id is malformed', async () => {
    api.route('POST', CREATE, { status: 202, body: { status: 'PROCESS' } });
    const err = await rejectionOf(client({ retries: 0 }).createTask(1001, 4));
    expect(err).toMatchObject({ kind: 'malformed', message: 'WispHub answered a created ping task that could not be read' });
  });

  it("honours a 429's Retry-After, then succeeds", async () => {
    api.routeSequence('POST', CREATE, { status: 429, headers: { 'retry-after': '2' }, body: { detail: 'Solicitud fue regulada.' } }, { status: 202, body: { task_id: TASK } });
    const clock = new InstantClock();
    const retries = retryRecorder();
    await expect(client({ clock }).createTask(1001, 4, { onRetry: retries.onRetry })).resolves.toEqual({ taskId: TASK });
    expect(retries.calls).toHaveLength(1);
    expect(retries.calls[0]?.fault).toMatchObject({ kind: 'rate_limited', status: 429, message: 'WispHub is rate limiting requests (HTTP 429)' });
    expect(clock.sleeps).toEqual([retries.calls[0]?.delayMs]);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(2000);
    expect(api.requests).toHaveLength(2);
  });

  it('a task that never ends is the check timing out, polled until the deadline', async () => {
    api.route('POST', CREATE, { status: 202, body: { task_id: TASK } });
    api.route('GET', TASKS, { status: 200, body: fixture('wisphub-task-process.json') });
    const service = createPingService({
      api: client(),
      clock: systemClock,
      logger: silentLogger,
      polling: { packets: 4, initialDelayMs: 0, intervalMs: 10, maxIntervalMs: 20, packetMs: 1, timeoutMs: 1000, resultCacheMs: 0 },
      queue: roomyQueue(),
    });
    try {
      const done = await service.check(1001).done;
      expect(done).toMatchObject({ verdict: 'timed_out', reason: { kind: 'deadline' }, lossPct: null, rttMs: null });
      expect(api.requestsTo('GET', TASKS).length).toBeGreaterThanOrEqual(2);
    } finally {
      await service.close();
    }
  });

  it('never logs or throws the key, even when WispHub echoes it', async () => {
    const logs = captureLogs();
    api.route('POST', CREATE, { status: 400, body: { detail: `bad key ${KEY}` } });
    const err = await rejectionOf(client({ logger: logs.logger }).createTask(1001, 4));
    expect((err as Error).message).toBe('WispHub could not create the ping task: bad key [redacted]');
    expect(logs.text()).not.toContain(KEY);
  });
});

describe('WispHub direct: look-ups on the cached client list', () => {
  const all = [
    whClient(1001, 'Ana Morales', { cedula: '1032456789', telefono: '+573104445566' }),
    whClient(1006, 'Carlos Pérez'),
    whClient(1007, 'Carlos Pérez'),
    whClient(1009, 'José Peña'),
    whClient(1010, 'Lucía Martínez', { telefono: '3209998877' }),
  ];
  /** DRF pages of `all`, with a `next` link in plain http to a host that is not ours. */
  const pages = () =>
    api.route('GET', '/api/clientes/', (req) => {
      const limit = Number(req.query.limit);
      const offset = Number(req.query.offset);
      return { status: 200, body: { count: all.length, next: 'http://wisphub.invalid/api/clientes/?page=2', previous: null, results: all.slice(offset, offset + limit) } };
    });

  it('pages with its own offsets and searches by name, phone and document', async () => {
    pages();
    const wh = client({ pageSize: 2 });
    expect((await wh.searchClients('carlos perez')).map((c) => c.serviceId)).toEqual([1006, 1007]);
    expect(api.requests.map((r) => `${r.query.limit}/${r.query.offset}`)).toEqual(['2/0', '2/2', '2/4']);
    for (const r of api.requests) expect(r.headers.authorization).toBe(`Api-Key ${KEY}`);
    expect((await wh.clientByPhone('310 444 5566'))?.serviceId).toBe(1001);
    expect((await wh.clientByDocument('1.032.456.789'))?.serviceId).toBe(1001);
    expect(await wh.clientByDocument('000')).toBeNull();
    expect((await wh.searchClients('JOSE'))[0]?.name).toBe('José Peña');
    // One load served every look-up.
    expect(api.requests).toHaveLength(3);
  });

  it('stops at maxPages and logs that the list is cut', async () => {
    pages();
    const logs = captureLogs();
    const wh = client({ pageSize: 1, maxPages: 2, logger: logs.logger });
    expect((await wh.searchClients('a')).map((c) => c.serviceId)).toEqual([1001, 1006]);
    expect(api.requests).toHaveLength(2);
    expect(logs.text()).toContain('WispHub client list longer than pingops pages through');
  });

  it('serves a stale list at once and refreshes it in the background after WISPHUB_CLIENTS_TTL_MS', async () => {
    pages();
    const clock = new SettableClock();
    const wh = client({ clock, clientsTtlMs: 60_000 });
    await wh.searchClients('ana');
    expect(api.requests).toHaveLength(1);
    clock.t += 59_000;
    await wh.searchClients('ana');
    expect(api.requests).toHaveLength(1);

    all.push(whClient(1011, 'Ana Nueva'));
    clock.t += 2_000;
    // Stale: answered from the old list while the refresh runs.
    expect((await wh.searchClients('ana')).map((c) => c.serviceId)).toEqual([1001]);
    await vi_waitFor(() => api.requests.length === 2);
    await vi_waitFor(async () => (await wh.searchClients('nueva')).length === 1);
    expect((await wh.searchClients('ana')).map((c) => c.serviceId)).toEqual([1001, 1011]);
    all.pop();
  });

  it('pages take tokens from the request budget', async () => {
    pages();
    const taken: string[] = [];
    const wh = client({ pageSize: 2, budget: { take: async (priority) => void taken.push(priority) } });
    await wh.searchClients('ana');
    expect(taken).toEqual(['high', 'high', 'high']);
  });

  it('a failing list is a typed error for the look-up, and the next look-up tries again', async () => {
    api.route('GET', '/api/clientes/', { status: 403, body: { detail: 'Clave API inválida.' } });
    const wh = client();
    await expect(wh.searchClients('ana')).rejects.toMatchObject({ kind: 'auth', message: 'WispHub rejected the API key (HTTP 403): check WISPHUB_API_KEY' });
    pages();
    expect((await wh.searchClients('ana')).map((c) => c.serviceId)).toEqual([1001]);
  });
});

/** Polls `cond` on the event loop (real HTTP in flight) for up to 2 s. */
async function vi_waitFor(cond: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + 2000;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met within 2 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('WispHub direct: preloading the client list', () => {
  it('loads every page at background priority, so the first search asks nothing', async () => {
    api.route('GET', '/api/clientes/', (req) => ({
      status: 200,
      body: { count: 3, next: null, previous: null, results: [whClient(1001, 'Ana Morales'), whClient(1002, 'Jorge Ramírez'), whClient(1003, 'Luz Dary Castro')].slice(Number(req.query.offset), Number(req.query.offset) + Number(req.query.limit)) },
    }));
    const taken: string[] = [];
    const wh = client({ pageSize: 2, budget: { take: async (priority) => void taken.push(priority) } });
    await wh.preloadClients();
    expect(taken).toEqual(['low', 'low']);
    expect((await wh.searchClients('jorge')).map((c) => c.serviceId)).toEqual([1002]);
    expect(api.requests).toHaveLength(2);
  });

  it('never throws when WispHub is down', async () => {
    api.route('GET', '/api/clientes/', { status: 403, body: { detail: 'Clave API inválida.' } });
    await expect(client().preloadClients()).resolves.toBeUndefined();
  });
});
