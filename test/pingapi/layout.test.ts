import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../src/core/errors.js';
import { createPingApi, type PingApiOptions } from '../../src/pingapi/http-client.js';
import { silentLogger } from '../../src/util/logger.js';
import { Secret } from '../../src/util/secret.js';
import { fixture } from '../fakes/fake-ping-api.js';
import { captureLogs, InstantClock, rejectionOf, retryRecorder, useFakePingApi } from './helpers.js';

const TASK = '7f4c2a9e-3b1d-4e8a-9c55-0d6e2f1a8b34';
const KEY = 'plain-key-Secret-99';
const ANA = (fixture('api-client-found.json') as { data: object }).data;

const api = useFakePingApi();

class SettableClock extends InstantClock {
  t = 1_700_000_000_000;
  override now(): number {
    return this.t;
  }
}

const client = (over: Partial<PingApiOptions> = {}) =>
  createPingApi({ baseUrl: api.url, auth: { kind: 'none' }, timeoutMs: 2000, logger: silentLogger, minRetryDelayMs: 1, maxRetryDelayMs: 5, layout: 'auto', ...over });

const openapi = (...paths: string[]) => ({ status: 200, body: { openapi: '3.1.0', paths: Object.fromEntries(paths.map((p) => [p, {}])) } });

/** The middleware's code today: `/api/...` routes and bare bodies. */
function servePlain() {
  // The most recently added matching route wins.
  api.route('GET', /^\/api\/clients\/by-service-id\/\d+\/?$/, { status: 404, body: { detail: 'client_not_found' } });
  api.route('GET', /^\/api\/clients\/by-service-id\/1001\/?$/, { status: 200, body: ANA });
  api.route('GET', '/api/clients/search', { status: 200, body: [ANA] });
  api.route('POST', /^\/api\/\d+\/ping\/$/, { status: 200, body: { task_id: TASK } });
  api.route('GET', /^\/api\/ping\/[^/]+\/$/, { status: 200, body: { status: 'stable', message: 'Client device has an active connection.' } });
}

describe('route layout: auto', () => {
  it('reads /openapi.json, picks plain, logs the choice at info and speaks the plain routes', async () => {
    const logs = captureLogs();
    api.route('GET', '/openapi.json', openapi('/health', '/api/{service_id}/ping/', '/api/ping/{task_id}/'));
    servePlain();
    const c = client({ logger: logs.logger });

    await expect(c.clientByServiceId(1001)).resolves.toMatchObject({ serviceId: 1001, name: 'Ana Morales', router: null, sector: null, zoneName: null });
    await expect(c.clientByServiceId(9999)).resolves.toBeNull();
    await expect(c.searchClients('ana')).resolves.toHaveLength(1);
    await expect(c.createTask(1001, 4)).resolves.toEqual({ taskId: TASK });
    await expect(c.getResult(TASK)).resolves.toMatchObject({ kind: 'final', verdict: 'stable', lossPct: null, rttMs: null });
    await expect(c.layout()).resolves.toBe('plain');

    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /openapi.json',
      'GET /api/clients/by-service-id/1001',
      'GET /api/clients/by-service-id/9999',
      'GET /api/clients/search',
      'POST /api/1001/ping/',
      `GET /api/ping/${TASK}/`,
    ]);
    const chosen = logs.records().find((l) => l.msg === 'Ping API route layout: plain');
    expect(chosen).toMatchObject({ level: 30, layout: 'plain', how: 'openapi' });
  });

  it('reads /openapi.json and picks v1', async () => {
    api.route('GET', '/openapi.json', openapi('/api/v1/{service_id}/ping/'));
    api.route('POST', /^\/api\/v1\/\d+\/ping\/$/, { status: 200, body: fixture('api-create-ok.json') });
    await expect(client().createTask(1001, 4)).resolves.toEqual({ taskId: TASK });
    expect(api.requests.map((r) => r.path)).toEqual(['/openapi.json', '/api/v1/1001/ping/']);
  });

  it.each([
    ['no /openapi.json (404)', { status: 404, body: { detail: 'Not Found' } }],
    ['an /openapi.json that lists neither', openapi('/health')],
    ['HTML at /openapi.json', { status: 200, body: '<html></html>' }],
  ])('probes when there is %s: the route that exists wins', async (_n, schema) => {
    const logs = captureLogs();
    api.route('GET', '/openapi.json', schema);
    servePlain();
    await expect(client({ logger: logs.logger }).clientByServiceId(1001)).resolves.toMatchObject({ serviceId: 1001 });
    expect(api.requests.map((r) => r.path)).toEqual(['/openapi.json', '/api/v1/clients/by-service-id/0', '/api/clients/by-service-id/0', '/api/clients/by-service-id/1001']);
    expect(logs.records().find((l) => l.msg === 'Ping API route layout: plain')).toMatchObject({ how: 'probe', v1Status: 404, plainStatus: 404 });
  });

  it('a probe answered 403 (key missing) still proves the route exists', async () => {
    api.route('GET', /^\/api\/clients\//, { status: 403, body: { detail: 'API Key inválida o ausente.' } });
    await expect(client().layout()).resolves.toBe('plain');
  });

  it('sends the key along while detecting, and one detection serves concurrent calls', async () => {
    api.route('GET', '/openapi.json', { ...openapi('/api/{service_id}/ping/'), delayMs: 30 });
    servePlain();
    const c = client({ auth: { kind: 'key', header: 'X-API-Key', key: new Secret(KEY) } });
    await Promise.all([c.clientByServiceId(1001), c.clientByServiceId(1001), c.createTask(1001, 4)]);
    expect(api.requestsTo('GET', '/openapi.json')).toHaveLength(1);
    for (const r of api.requests) expect(r.headers['x-api-key']).toBe(KEY);
  });

  it('re-detects once when a route answers the generic 404 later (a redeploy), and resends', async () => {
    const clock = new SettableClock();
    api.route('GET', '/openapi.json', openapi('/api/v1/{service_id}/ping/'));
    api.route('POST', /^\/api\/v1\/\d+\/ping\/$/, { status: 200, body: fixture('api-create-ok.json') });
    const c = client({ clock });
    await c.createTask(1001, 4);

    // Redeployed as the code today.
    api.reset();
    api.route('GET', '/openapi.json', openapi('/api/{service_id}/ping/'));
    servePlain();
    clock.t += 60_000;
    await expect(c.createTask(1001, 4)).resolves.toEqual({ taskId: TASK });
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/v1/1001/ping/', 'GET /openapi.json', 'POST /api/1001/ping/']);
    await expect(c.layout()).resolves.toBe('plain');
  });

  it('a generic 404 that re-detection does not explain is a permanent not-found, asked once', async () => {
    const clock = new SettableClock();
    api.route('GET', '/openapi.json', openapi('/api/v1/{service_id}/ping/'));
    const c = client({ clock });
    await c.layout();
    clock.t += 60_000;
    const retries = retryRecorder();
    const err = await rejectionOf(c.createTask(1001, 4, { onRetry: retries.onRetry }));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ kind: 'not_found' });
    expect(api.requests.map((r) => r.path)).toEqual(['/openapi.json', '/api/v1/1001/ping/', '/openapi.json']);
    expect(retries.calls).toEqual([]);
  });

  it('with PING_API_PATHS fixed, never detects', async () => {
    servePlain();
    await expect(client({ layout: 'plain' }).createTask(1001, 4)).resolves.toEqual({ taskId: TASK });
    expect(api.requests.map((r) => r.path)).toEqual(['/api/1001/ping/']);
  });
});

describe('the plain layout: its errors', () => {
  it('status error (HTTP 400 with detail) is the failed verdict, the detail shown', async () => {
    api.route('GET', /^\/api\/ping\/[^/]+\/$/, { status: 400, body: { detail: 'MikroTik interface error.' } });
    await expect(client({ layout: 'plain' }).getResult(TASK)).resolves.toEqual({ kind: 'final', verdict: 'failed', message: 'MikroTik interface error.', lossPct: null, rttMs: null });
  });

  it('a 403 is the auth error naming PING_API_KEY, never retried', async () => {
    api.route('POST', /^\/api\/\d+\/ping\/$/, { status: 403, body: { detail: 'API Key inválida o ausente.' } });
    const err = await rejectionOf(client({ layout: 'plain', auth: { kind: 'key', header: 'X-API-Key', key: new Secret(KEY) } }).createTask(1001, 4));
    expect(err).toMatchObject({ kind: 'auth', message: 'the Ping API rejected the API key (HTTP 403): check PING_API_KEY' });
    expect(api.requests).toHaveLength(1);
  });

  it('a 403 without any key set says which settings to set', async () => {
    api.route('POST', /^\/api\/\d+\/ping\/$/, { status: 403, body: { detail: 'API Key inválida o ausente.' } });
    const err = await rejectionOf(client({ layout: 'plain' }).createTask(1001, 4));
    expect((err as Error).message).toContain('set PING_API_KEY');
  });

  it('a create that could not get a task id (400) is refused, never retried', async () => {
    api.route('POST', /^\/api\/\d+\/ping\/$/, { status: 400, body: { detail: 'Ping failed. No se pudo obtener el task_id.' } });
    const err = await rejectionOf(client({ layout: 'plain' }).createTask(1001, 4));
    expect(err).toMatchObject({ kind: 'rejected', message: 'the Ping API could not create the ping task: Ping failed. No se pudo obtener el task_id.' });
    expect(api.requests).toHaveLength(1);
  });
});
