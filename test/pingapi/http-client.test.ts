import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../src/core/errors.js';
import { createPingApi, type PingApiOptions } from '../../src/pingapi/http-client.js';
import { silentLogger } from '../../src/util/logger.js';
import { Secret } from '../../src/util/secret.js';
import { fixture, startFakePingApi } from '../fakes/fake-ping-api.js';
import { InstantClock, captureLogs, rejectionOf, retryRecorder, useFakePingApi } from './helpers.js';

const TASK = '7f4c2a9e-3b1d-4e8a-9c55-0d6e2f1a8b34';
const CREATE = /^\/api\/v1\/\d+\/ping\/$/;
const RESULT = /^\/api\/v1\/ping\/[^/]+\/$/;

const api = useFakePingApi();

const client = (over: Partial<PingApiOptions> = {}) =>
  createPingApi({ baseUrl: api.url, auth: { kind: 'none' }, timeoutMs: 2000, logger: silentLogger, minRetryDelayMs: 1, maxRetryDelayMs: 5, ...over });

describe('createTask', () => {
  it('posts {"pings": N} to the service and reads the envelope', async () => {
    api.route('POST', CREATE, { status: 200, body: fixture('api-create-ok.json') });
    await expect(client().createTask(1001, 4)).resolves.toEqual({ taskId: TASK });
    expect(api.requests).toHaveLength(1);
    const req = api.requests[0];
    expect(req?.path).toBe('/api/v1/1001/ping/');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req?.body ?? '')).toEqual({ pings: 4 });
  });

  it('reads the bare {"task_id"} answer (HTTP 202)', async () => {
    api.route('POST', CREATE, { status: 202, body: fixture('api-create-bare.json') });
    await expect(client().createTask(1001, 6)).resolves.toEqual({ taskId: TASK });
  });

  it('keeps a path prefix in the base URL', async () => {
    api.route('POST', '/pingapi/api/v1/5/ping/', { status: 200, body: { task_id: 't5' } });
    await expect(client({ baseUrl: `${api.url}/pingapi/` }).createTask(5, 4)).resolves.toEqual({ taskId: 't5' });
  });

  it.each([
    ['404', { status: 404, body: { detail: 'Service not found' } }, PermanentError, 'not_found', /service 9999 not found on the Ping API/],
    ['422', { status: 422, body: { detail: [{ loc: ['body', 'pings'], msg: 'Field required' }] } }, PermanentError, 'invalid', /Field required \(body\.pings\)/],
    ['400 detail', { status: 400, body: { detail: 'Ping failed' } }, PermanentError, 'rejected', /could not create the ping task: Ping failed/],
    ['envelope ping_failed', { status: 200, body: fixture('api-create-failed.json') }, PermanentError, 'rejected', /could not create the ping task/],
    ['409', { status: 409, body: '' }, PermanentError, 'rejected', /HTTP 409/],
  ])('%s is permanent and never retried', async (_n, response, type, kind, message) => {
    api.route('POST', CREATE, response);
    const retries = retryRecorder();
    const err = await rejectionOf(client().createTask(9999, 4, { onRetry: retries.onRetry }));
    expect(err).toBeInstanceOf(type);
    expect((err as PermanentError).kind).toBe(kind);
    expect((err as Error).message).toMatch(message);
    expect(api.requests).toHaveLength(1);
    expect(retries.calls).toEqual([]);
  });

  it.each([
    [0, 4],
    [-1, 4],
    [1.5, 4],
    [1001, 0],
  ])('refuses service %d / packets %d without sending anything', async (serviceId, packets) => {
    const err = await rejectionOf(client().createTask(serviceId, packets));
    expect((err as PermanentError).kind).toBe('invalid');
    expect(api.requests).toHaveLength(0);
  });
});

describe('getResult', () => {
  it.each([
    ['envelope stable', { status: 200, body: fixture('api-result-stable.json') }, { kind: 'final', verdict: 'stable', message: null, lossPct: null, rttMs: null }],
    ['envelope pending', { status: 200, body: fixture('api-result-pending.json') }, { kind: 'pending', message: null }],
    [
      'status antenna_only',
      { status: 200, body: fixture('api-result-status-antenna-only.json') },
      { kind: 'final', verdict: 'antenna_only', message: 'Customer device is unreachable, but the main antenna has connection.', lossPct: null, rttMs: null },
    ],
    ['status pending', { status: 200, body: fixture('api-result-status-pending.json') }, { kind: 'pending', message: 'Ping task is still processing.' }],
    ['empty body', { status: 200, body: '' }, { kind: 'pending', message: null }],
    ['400 detail', { status: 400, body: fixture('api-error-detail.json') }, { kind: 'final', verdict: 'failed', message: 'Ping failed', lossPct: null, rttMs: null }],
  ])('%s', async (_n, response, want) => {
    api.route('GET', RESULT, response);
    await expect(client().getResult(TASK)).resolves.toEqual(want);
    expect(api.requests.map((r) => r.path)).toEqual([`/api/v1/ping/${TASK}/`]);
  });

  it('404 names the task', async () => {
    const err = await rejectionOf(client().getResult('abc-123'));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).kind).toBe('not_found');
    expect((err as Error).message).toBe('ping task abc-123 not found on the Ping API');
    expect(api.requests).toHaveLength(1);
  });

  it('refuses a task id that could escape its path segment', async () => {
    const err = await rejectionOf(client().getResult('../../clients/search'));
    expect((err as PermanentError).kind).toBe('invalid');
    expect(api.requests).toHaveLength(0);
  });

  it('follows a same-origin redirect (FastAPI trailing-slash style)', async () => {
    api.route('GET', RESULT, { status: 307, headers: { location: `/api/v1/ping/${TASK}` } });
    api.route('GET', `/api/v1/ping/${TASK}`, { status: 200, body: fixture('api-result-stable.json') });
    await expect(client().getResult(TASK)).resolves.toMatchObject({ verdict: 'stable' });
    expect(api.requests.map((r) => r.path)).toEqual([`/api/v1/ping/${TASK}/`, `/api/v1/ping/${TASK}`]);
  });

  it('does not follow a redirect to another origin (the key would go with it)', async () => {
    const other = await startFakePingApi();
    try {
      api.route('GET', RESULT, { status: 302, headers: { location: `${other.url}/steal` } });
      const err = await rejectionOf(
        client({ auth: { kind: 'key', header: 'X-API-Key', key: new Secret('k-123456') } }).getResult(TASK),
      );
      expect((err as PermanentError).kind).toBe('rejected');
      expect((err as Error).message).toContain('redirected elsewhere');
      expect(other.requests).toHaveLength(0);
    } finally {
      await other.close();
    }
  });
});

describe('transient faults and retries', () => {
  it('retries a burst of 500s, then succeeds', async () => {
    api.routeSequence('POST', CREATE, { status: 500, body: 'boom' }, { status: 500 }, { status: 200, body: { task_id: 't1' } });
    const retries = retryRecorder();
    await expect(client().createTask(1001, 4, { onRetry: retries.onRetry })).resolves.toEqual({ taskId: 't1' });
    expect(api.requests).toHaveLength(3);
    expect(retries.calls.map((c) => [c.fault.kind, c.fault.status, c.attempt])).toEqual([
      ['server', 500, 1],
      ['server', 500, 2],
    ]);
    for (const c of retries.calls) {
      expect(c.delayMs).toBeGreaterThanOrEqual(1);
      expect(c.delayMs).toBeLessThanOrEqual(5);
    }
  });

  it('retries an HTML 502 as a server fault and an HTML 200 as malformed', async () => {
    api.routeSequence(
      'GET',
      RESULT,
      { status: 502, body: '<html><body>Bad Gateway</body></html>', headers: { 'content-type': 'text/html' } },
      { status: 200, body: '<html><body>Login portal</body></html>', headers: { 'content-type': 'text/html' } },
      { status: 200, body: fixture('api-result-no-internet.json') },
    );
    const retries = retryRecorder();
    await expect(client().getResult(TASK, { onRetry: retries.onRetry })).resolves.toMatchObject({ verdict: 'no_internet' });
    expect(retries.calls.map((c) => c.fault.kind)).toEqual(['server', 'malformed']);
    expect(api.requests).toHaveLength(3);
  });

  it('times out a slow answer and retries it', async () => {
    api.routeSequence('GET', RESULT, { status: 200, body: fixture('api-result-stable.json'), delayMs: 1000 }, { status: 200, body: fixture('api-result-stable.json') });
    const retries = retryRecorder();
    await expect(client().getResult(TASK, { timeoutMs: 100, onRetry: retries.onRetry })).resolves.toMatchObject({ verdict: 'stable' });
    expect(retries.calls.map((c) => c.fault)).toEqual([{ kind: 'timeout', message: 'the Ping API did not answer within 100 ms', status: null }]);
    expect(api.requests).toHaveLength(2);
  });

  it('retries a dropped connection as a network fault', async () => {
    api.routeSequence('GET', RESULT, { status: 0, drop: true }, { status: 200, body: fixture('api-result-stable.json') });
    const retries = retryRecorder();
    await expect(client().getResult(TASK, { onRetry: retries.onRetry })).resolves.toMatchObject({ verdict: 'stable' });
    expect(retries.calls.map((c) => c.fault.kind)).toEqual(['network']);
    expect(api.requests).toHaveLength(2);
  });

  it('fails with a network fault when nothing listens', async () => {
    const gone = await startFakePingApi();
    await gone.close();
    const err = await rejectionOf(createPingApi({ baseUrl: gone.url, auth: { kind: 'none' }, timeoutMs: 1000, logger: silentLogger, retries: 0 }).getResult(TASK));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).kind).toBe('network');
    // It names the setting and the host to look at (never credentials in the URL).
    expect((err as Error).message).toBe(`could not reach the Ping API at ${new URL(gone.url).host} (PING_API_URL): ECONNREFUSED`);
  });

  it("honours a 429's Retry-After", async () => {
    api.routeSequence('POST', CREATE, { status: 429, headers: { 'retry-after': '1' }, body: { detail: 'slow down' } }, { status: 200, body: { task_id: 't2' } });
    const clock = new InstantClock();
    const retries = retryRecorder();
    await expect(client({ clock }).createTask(1001, 4, { onRetry: retries.onRetry })).resolves.toEqual({ taskId: 't2' });
    expect(retries.calls).toHaveLength(1);
    expect(retries.calls[0]?.fault).toMatchObject({ kind: 'rate_limited', status: 429 });
    expect(retries.calls[0]?.delayMs).toBeGreaterThanOrEqual(1000);
    expect(clock.sleeps).toEqual([retries.calls[0]?.delayMs]);
    expect(api.requests).toHaveLength(2);
  });

  it('caps an absurd Retry-After at 30 s', async () => {
    api.routeSequence('POST', CREATE, { status: 429, headers: { 'retry-after': '86400' } }, { status: 200, body: { task_id: 't2' } });
    const clock = new InstantClock();
    await client({ clock }).createTask(1001, 4);
    expect(clock.sleeps).toEqual([30_000]);
  });

  it('throws the last TransientError once retries are exhausted', async () => {
    api.route('GET', RESULT, { status: 503 });
    const retries = retryRecorder();
    const err = await rejectionOf(client({ retries: 2 }).getResult(TASK, { onRetry: retries.onRetry }));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).kind).toBe('server');
    expect((err as TransientError).status).toBe(503);
    expect(api.requests).toHaveLength(3);
    expect(retries.calls.map((c) => c.attempt)).toEqual([1, 2]);
  });

  it('uses the default of 3 retries, and a per-call override', async () => {
    api.route('GET', RESULT, { status: 500 });
    await rejectionOf(client().getResult(TASK));
    expect(api.requests).toHaveLength(4);
    api.reset();
    api.route('GET', RESULT, { status: 500 });
    await rejectionOf(client().getResult(TASK, { retries: 0 }));
    expect(api.requests).toHaveLength(1);
  });

  it('waits with jittered exponential backoff between the configured bounds', async () => {
    api.route('GET', RESULT, { status: 500 });
    const clock = new InstantClock();
    await rejectionOf(client({ clock, retries: 5, minRetryDelayMs: 100, maxRetryDelayMs: 1000, random: () => 0 }).getResult(TASK));
    expect(clock.sleeps).toEqual([100, 200, 400, 800, 1000]);
  });

  it('logs a debug line per request and a warn line per retry', async () => {
    const { logger, records } = captureLogs();
    api.routeSequence('GET', RESULT, { status: 500 }, { status: 200, body: fixture('api-result-stable.json') });
    await client({ logger }).getResult(TASK);
    const requests = records().filter((r) => r['msg'] === 'ping api request');
    expect(requests.map((r) => [r['method'], r['path'], r['status'], typeof r['ms']])).toEqual([
      ['GET', `/api/v1/ping/${TASK}/`, 500, 'number'],
      ['GET', `/api/v1/ping/${TASK}/`, 200, 'number'],
    ]);
    const warns = records().filter((r) => r['level'] === 40);
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ op: 'getResult', taskId: TASK, fault: 'server', attempt: 1 });
    expect(typeof warns[0]?.['delayMs']).toBe('number');
  });
});

describe('the caller aborting', () => {
  it('stops retrying and rethrows the signal reason', async () => {
    api.route('GET', RESULT, { status: 500 });
    const ctl = new AbortController();
    const reason = new Error('cancelled by the technician');
    const err = await rejectionOf(client({ retries: 10 }).getResult(TASK, { signal: ctl.signal, onRetry: () => ctl.abort(reason) }));
    expect(err).toBe(reason);
    expect(api.requests).toHaveLength(1);
  });

  it('cuts a request in flight without wrapping the reason', async () => {
    api.route('GET', RESULT, { status: 200, body: fixture('api-result-stable.json'), delayMs: 2000 });
    const ctl = new AbortController();
    const p = client().getResult(TASK, { signal: ctl.signal });
    setTimeout(() => ctl.abort('deadline'), 50);
    expect(await rejectionOf(p)).toBe('deadline');
    expect(api.requests).toHaveLength(1);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const reason = new Error('too late');
    const err = await rejectionOf(client().createTask(1001, 4, { signal: AbortSignal.abort(reason) }));
    expect(err).toBe(reason);
    expect(api.requests).toHaveLength(0);
  });

  it('interrupts a Retry-After wait', async () => {
    api.route('POST', CREATE, { status: 429, headers: { 'retry-after': '20' } });
    const ctl = new AbortController();
    const reason = new Error('cancelled');
    const p = client().createTask(1001, 4, { signal: ctl.signal, onRetry: () => setTimeout(() => ctl.abort(reason), 10) });
    expect(await rejectionOf(p)).toBe(reason);
    expect(api.requests).toHaveLength(1);
  });
});

describe('the request budget', () => {
  it('is awaited once before every HTTP request, retries and logins included', async () => {
    api.route('POST', '/api/v1/auth/token', { status: 200, body: { access_token: 'tok-a', token_type: 'bearer' } });
    api.routeSequence('POST', CREATE, { status: 500 }, { status: 200, body: { task_id: 't9' } });
    const signals: (AbortSignal | undefined)[] = [];
    const ctl = new AbortController();
    await client({ auth: { kind: 'jwt', username: 'noc', password: new Secret('pw-123456') } }).createTask(1001, 4, {
      signal: ctl.signal,
      beforeRequest: async (s) => void signals.push(s),
    });
    expect(api.requests).toHaveLength(3);
    expect(signals).toHaveLength(3);
    expect(signals.every((s) => s === ctl.signal)).toBe(true);
  });

  it("propagates the budget's refusal without a request", async () => {
    const refused = new Error('budget closed');
    const err = await rejectionOf(client().getResult(TASK, { beforeRequest: () => Promise.reject(refused) }));
    expect(err).toBe(refused);
    expect(api.requests).toHaveLength(0);
  });
});

describe('client look-ups', () => {
  it('finds a client by service id', async () => {
    api.route('GET', '/api/v1/clients/by-service-id/1001', { status: 200, body: fixture('api-client-found.json') });
    await expect(client().clientByServiceId(1001)).resolves.toMatchObject({ serviceId: 1001, name: 'Ana Morales', paymentStatus: 'active' });
  });

  it.each([
    ['404', { status: 404, body: { detail: 'Not Found' } }],
    ['200 client_not_found', { status: 200, body: fixture('api-client-not-found.json') }],
    ['404 client_not_found', { status: 404, body: fixture('api-client-not-found.json') }],
  ])('answers null on %s, without retrying', async (_n, response) => {
    api.route('GET', /^\/api\/v1\/clients\/by-/, response);
    await expect(client().clientByServiceId(42)).resolves.toBeNull();
    await expect(client().clientByDocument('123')).resolves.toBeNull();
    await expect(client().clientByPhone('300')).resolves.toBeNull();
    expect(api.requests).toHaveLength(3);
  });

  it('URL-encodes document and phone path segments', async () => {
    api.route('GET', /^\/api\/v1\/clients\/by-/, { status: 200, body: fixture('api-client-found.json') });
    await client().clientByDocument('10.324/56 7');
    await client().clientByPhone('+57 310 444');
    expect(api.requests.map((r) => r.path)).toEqual([
      '/api/v1/clients/by-document/10.324%2F56%207',
      '/api/v1/clients/by-phone/%2B57%20310%20444',
    ]);
  });

  it('searches with an encoded query and reads the list', async () => {
    api.route('GET', '/api/v1/clients/search', {
      status: 200,
      body: { ok: true, action: 'clients_listed', data: [(fixture('api-client-found.json') as { data: object }).data, { service_id: 'x' }, { service_id: 1002, name: 'Beto Núñez' }] },
    });
    const found = await client().searchClients('Ana & Beto?');
    expect(found.map((c) => c.serviceId)).toEqual([1001, 1002]);
    expect(api.requests[0]?.query).toEqual({ q: 'Ana & Beto?' });
  });

  it('search answers [] on 404 and on an empty list', async () => {
    await expect(client().searchClients('nobody')).resolves.toEqual([]);
    api.route('GET', '/api/v1/clients/search', { status: 200, body: { ok: true, action: 'clients_listed', data: [] } });
    await expect(client().searchClients('nobody')).resolves.toEqual([]);
  });

  it('a look-up still retries a server fault and fails on auth', async () => {
    api.routeSequence('GET', /^\/api\/v1\/clients\/by-service-id\//, { status: 500 }, { status: 200, body: fixture('api-client-found.json') });
    await expect(client().clientByServiceId(1001)).resolves.toMatchObject({ serviceId: 1001 });
    api.reset();
    api.route('GET', /^\/api\/v1\/clients\//, { status: 401, body: { detail: 'Not authenticated' } });
    const err = await rejectionOf(client().clientByServiceId(1001));
    expect((err as PermanentError).kind).toBe('auth');
    expect(api.requests).toHaveLength(1);
  });
});

describe('connections', () => {
  it('look-ups hanging on a slow client directory hold at most 24 of the 32: a task is still created, before any look-up ends', async () => {
    api.route('GET', /^\/api\/v1\/clients\/by-service-id\//, { status: 200, body: fixture('api-client-found.json'), delayMs: 5_000 });
    api.route('POST', CREATE, { status: 200, body: fixture('api-create-ok.json') });
    const c = client();
    const stop = new AbortController();
    let ended = 0;
    // A morning's look-ups, more than the 32 connections: without lanes they would take them all.
    const lookups = Array.from({ length: 40 }, (_, i) => c.clientByServiceId(1001 + i, { signal: stop.signal, timeoutMs: 5_000, retries: 0 }).finally(() => ended++));
    await expect(c.createTask(1001, 4)).resolves.toEqual({ taskId: TASK });
    expect(ended).toBe(0);
    expect(api.requestsTo('GET', /by-service-id/).length).toBeLessThanOrEqual(24);
    stop.abort(new Error('test over'));
    await Promise.allSettled(lookups);
  });
});

describe('health', () => {
  it('is true on 2xx and sends no credentials', async () => {
    api.route('GET', '/health', { status: 200, body: { status: 'ok' } });
    await expect(client({ auth: { kind: 'key', header: 'X-API-Key', key: new Secret('k-abcdef') } }).health()).resolves.toBe(true);
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]?.headers['x-api-key']).toBeUndefined();
    expect(api.requests[0]?.headers.authorization).toBeUndefined();
  });

  it.each([
    ['500', { status: 500 }],
    ['404', { status: 404 }],
    ['dropped', { status: 0, drop: true }],
  ])('is false on %s after one attempt', async (_n, response) => {
    api.route('GET', '/health', response);
    await expect(client().health()).resolves.toBe(false);
    expect(api.requests).toHaveLength(1);
  });

  it('is false on a slow answer, and when nothing listens', async () => {
    api.route('GET', '/health', { status: 200, delayMs: 1000 });
    await expect(client().health({ timeoutMs: 50 })).resolves.toBe(false);
    const gone = await startFakePingApi();
    await gone.close();
    await expect(createPingApi({ baseUrl: gone.url, auth: { kind: 'none' }, timeoutMs: 500, logger: silentLogger }).health()).resolves.toBe(false);
  });
});
