import { afterEach, describe, expect, it } from 'vitest';
import { roomyQueue } from '../support/queue.js';
import type { CheckState } from '../../src/core/check-state.js';
import { createPingService } from '../../src/core/ping-service.js';
import { createPingApi } from '../../src/pingapi/http-client.js';
import { createWispHubApi } from '../../src/pingapi/wisphub/wisphub-client.js';
import { startSimulator } from '../../src/sim/server.js';
import { systemClock } from '../../src/util/clock.js';
import type { Logger } from '../../src/util/logger.js';
import { silentLogger } from '../../src/util/logger.js';
import { Secret } from '../../src/util/secret.js';
import type { PingApiAuth } from '../../src/config.js';
import { fixture, startFakePingApi, type FakePingApi } from '../fakes/fake-ping-api.js';
import { captureLogs } from '../support/log-capture.js';

// Short, real polling over loopback: every check here ends in well under a second.
const polling = { packets: 4, initialDelayMs: 0, intervalMs: 20, maxIntervalMs: 60, packetMs: 5, timeoutMs: 3000, resultCacheMs: 0 };
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()?.();
});

function serviceFor(baseUrl: string, auth: PingApiAuth = { kind: 'none' }, logger: Logger = silentLogger, timeoutMs = 1000) {
  const api = createPingApi({ baseUrl, auth, timeoutMs, logger, minRetryDelayMs: 5, maxRetryDelayMs: 20 });
  const service = createPingService({
    api,
    clock: systemClock,
    logger,
    polling,
    queue: roomyQueue(),
  });
  cleanup.push(() => service.close());
  return { api, service };
}

async function states(handle: { states: AsyncIterable<CheckState> }): Promise<CheckState[]> {
  const out: CheckState[] = [];
  for await (const s of handle.states) out.push(s);
  return out;
}

describe('checks end to end against the built-in simulator', () => {
  it.each([
    ['envelope', 'none'],
    ['status', 'none'],
    ['envelope', 'key'],
    ['status', 'jwt'],
  ] as const)('reaches every scenario verdict (%s answers, %s auth)', async (shape, authMode) => {
    const sim = await startSimulator({ shape, auth: authMode, speed: 200, logger: silentLogger });
    cleanup.push(() => sim.close());
    const c = sim.credentials;
    const auth: PingApiAuth =
      authMode === 'key'
        ? { kind: 'key', header: 'X-API-Key', key: new Secret(c.apiKey ?? '') }
        : authMode === 'jwt'
          ? { kind: 'jwt', username: c.username ?? '', password: new Secret(c.password ?? '') }
          : { kind: 'none' };
    const { service } = serviceFor(sim.url, auth);
    const expected = { 1001: 'stable', 1002: 'intermittent', 1003: 'no_internet', 1004: 'failed', 1008: 'antenna_only' } as const;
    const results = await Promise.all(Object.keys(expected).map((id) => service.check(Number(id)).done));
    expect(Object.fromEntries(results.map((d) => [d.serviceId, d.verdict]))).toEqual(expected);
    for (const d of results) expect(d.polls).toBeGreaterThanOrEqual(1);
  });

  it('reaches every scenario verdict against the plain layout, found through /openapi.json (key auth)', async () => {
    const sim = await startSimulator({ dialect: 'plain', auth: 'key', speed: 200, logger: silentLogger });
    cleanup.push(() => sim.close());
    const api = createPingApi({
      baseUrl: sim.url,
      auth: { kind: 'key', header: 'X-API-Key', key: new Secret(sim.credentials.apiKey ?? '') },
      timeoutMs: 1000,
      logger: silentLogger,
      layout: 'auto',
    });
    const service = createPingService({ api, clock: systemClock, logger: silentLogger, polling, queue: roomyQueue() });
    cleanup.push(() => service.close());
    const expected = { 1001: 'stable', 1002: 'intermittent', 1003: 'no_internet', 1004: 'failed', 1008: 'antenna_only' } as const;
    const results = await Promise.all(Object.keys(expected).map((id) => service.check(Number(id)).done));
    expect(Object.fromEntries(results.map((d) => [d.serviceId, d.verdict]))).toEqual(expected);
    expect(results.find((d) => d.serviceId === 1004)?.message).toBe('MikroTik interface error.');
    for (const d of results) expect(d).toMatchObject({ lossPct: null, rttMs: null });
    await expect(api.layout()).resolves.toBe('plain');
  });

  it('reaches every scenario verdict straight against WispHub, with loss and RTT measured', async () => {
    const sim = await startSimulator({ dialect: 'wisphub', auth: 'key', speed: 200, logger: silentLogger });
    cleanup.push(() => sim.close());
    const api = createWispHubApi({
      baseUrl: sim.url,
      key: new Secret(sim.credentials.apiKey ?? ''),
      timeoutMs: 1000,
      logger: silentLogger,
      intermittentLossPct: 20,
      clientsTtlMs: 60_000,
    });
    const service = createPingService({ api, clock: systemClock, logger: silentLogger, polling, queue: roomyQueue() });
    cleanup.push(() => service.close());
    const expected = { 1001: 'stable', 1002: 'intermittent', 1003: 'no_internet', 1004: 'failed', 1007: 'stable', 1008: 'antenna_only' } as const;
    const results = await Promise.all(Object.keys(expected).map((id) => service.check(Number(id)).done));
    expect(Object.fromEntries(results.map((d) => [d.serviceId, d.verdict]))).toEqual(expected);
    const by = (id: number) => results.find((d) => d.serviceId === id);
    expect(by(1001)).toMatchObject({ lossPct: 0, rttMs: expect.any(Number) });
    expect(by(1002)?.lossPct).toBeGreaterThanOrEqual(20);
    expect(by(1003)).toMatchObject({ lossPct: 100, rttMs: null });
    expect(by(1004)).toMatchObject({ lossPct: null, rttMs: null, message: 'input does not match any value of interface' });
    expect(by(1008)).toMatchObject({ lossPct: 100, rttMs: null });
    await expect(api.searchClients('Carlos Pérez')).resolves.toEqual([expect.objectContaining({ serviceId: 1006 }), expect.objectContaining({ serviceId: 1007 })]);
  });

  it('gives up on a task that never finishes at the deadline', async () => {
    const sim = await startSimulator({ speed: 200, logger: silentLogger });
    cleanup.push(() => sim.close());
    const { service } = serviceFor(sim.url);
    const done = await service.check(1005).done;
    expect(done).toMatchObject({ verdict: 'timed_out', reason: { kind: 'deadline' } });
    expect(done.polls).toBeGreaterThan(3);
  });

  it('answers "not found" for an unknown service without polling', async () => {
    const sim = await startSimulator({ speed: 200, logger: silentLogger });
    cleanup.push(() => sim.close());
    const { service } = serviceFor(sim.url);
    const done = await service.check(9999).done;
    expect(done).toMatchObject({ verdict: 'failed', taskId: null, polls: 0, reason: { kind: 'error', fault: { kind: 'not_found' } } });
    expect(sim.stats().polls).toBe(0);
  });
});

describe('checks end to end against a faulty Ping API', () => {
  async function fake(): Promise<FakePingApi> {
    const f = await startFakePingApi();
    cleanup.push(() => f.close());
    return f;
  }
  const created = { status: 200, body: fixture('api-create-ok.json') };
  const taskPath = /^\/api\/v1\/ping\/[^/]+\/$/;

  it('rides out a burst of 500s on create and an HTML 502 on a poll, showing the retries', async () => {
    const f = await fake();
    f.routeSequence('POST', '/api/v1/1001/ping/', { status: 500, body: { detail: 'boom' } }, { status: 500 }, created);
    f.routeSequence('GET', taskPath, { status: 502, body: '<html><body>Bad Gateway</body></html>', headers: { 'content-type': 'text/html' } }, { status: 200, body: fixture('api-result-pending.json') }, { status: 200, body: fixture('api-result-stable.json') });
    const { service } = serviceFor(f.url);
    const seen = await states(service.check(1001));
    const retries = seen.filter((s) => s.kind === 'retrying');
    expect(retries.length).toBe(3);
    expect(seen.at(-1)).toMatchObject({ kind: 'done', verdict: 'stable', taskId: '7f4c2a9e-3b1d-4e8a-9c55-0d6e2f1a8b34' });
    expect(f.requestsTo('POST', '/api/v1/1001/ping/')).toHaveLength(3);
  });

  it('fails at once on a verdict word the contract does not know, after one poll and no retry (issue 8)', async () => {
    const f = await fake();
    f.route('POST', '/api/v1/1001/ping/', created);
    f.route('GET', taskPath, { status: 200, body: { status: 'degraded_link', message: 'link degraded' } });
    const { service } = serviceFor(f.url);
    const done = await service.check(1001).done;
    expect(done).toMatchObject({ verdict: 'failed', reason: { kind: 'error', fault: { kind: 'unexpected', message: 'unexpected answer from the Ping API: degraded_link' } } });
    expect(f.requests.filter((r) => r.method === 'GET')).toHaveLength(1);
  });

  it('treats answers slower than PING_API_TIMEOUT_MS as transient and retries them', async () => {
    const f = await fake();
    f.route('POST', '/api/v1/1001/ping/', created);
    f.routeSequence('GET', taskPath, { status: 200, body: fixture('api-result-stable.json'), delayMs: 400 }, { status: 200, body: fixture('api-result-intermittent.json') });
    const { service } = serviceFor(f.url, { kind: 'none' }, silentLogger, 100);
    const seen = await states(service.check(1001));
    expect(seen.some((s) => s.kind === 'retrying' && s.fault.kind === 'timeout')).toBe(true);
    expect(seen.at(-1)).toMatchObject({ verdict: 'intermittent' });
  });

  it('logs in again once on a 401 and carries on, never writing the credentials to the logs', async () => {
    const f = await fake();
    let logins = 0;
    f.route('POST', '/api/v1/auth/token', () => ({ status: 200, body: { access_token: `tok-${++logins}-s3cr3t`, token_type: 'bearer' } }));
    f.route('POST', '/api/v1/1001/ping/', (req) =>
      req.headers.authorization === 'Bearer tok-2-s3cr3t' ? created : { status: 401, body: { detail: 'Could not validate credentials.' } },
    );
    f.route('GET', taskPath, { status: 200, body: fixture('api-result-status-antenna-only.json') });
    const logs = captureLogs();
    const { service } = serviceFor(f.url, { kind: 'jwt', username: 'noc', password: new Secret('hunter2-pw') }, logs.logger);
    const done = await service.check(1001).done;
    expect(done).toMatchObject({ verdict: 'antenna_only', message: 'Customer device is unreachable, but the main antenna has connection.' });
    expect(logins).toBe(2);
    expect(logs.text()).not.toMatch(/hunter2-pw|tok-\d-s3cr3t/);
    expect(logs.text()).toContain('ping task created');
  });

  it.each([
    [404, { detail: 'Not Found' }, 'not_found'],
    [422, { detail: [{ loc: ['body', 'pings'], msg: 'field required' }] }, 'invalid'],
    [403, { detail: 'Invalid API key' }, 'auth'],
    [400, fixture('api-error-detail.json'), 'rejected'],
  ] as const)('fails at once on HTTP %i from create (%s), never retrying', async (status, body, kind) => {
    const f = await fake();
    f.route('POST', '/api/v1/1001/ping/', { status, body });
    const { service } = serviceFor(f.url, { kind: 'key', header: 'X-API-Key', key: new Secret('k-123') });
    const done = await service.check(1001).done;
    expect(done).toMatchObject({ verdict: 'failed', reason: { kind: 'error', fault: { kind } } });
    expect(f.requests).toHaveLength(1);
    expect(f.requests[0]?.headers['x-api-key']).toBe('k-123');
  });

  it('ends in a clear failure when the Ping API is down throughout', async () => {
    const f = await fake();
    f.route('POST', '/api/v1/1001/ping/', { status: 503, body: 'Service Unavailable' });
    const { service } = serviceFor(f.url);
    const done = await service.check(1001).done;
    expect(done).toMatchObject({ verdict: 'failed', reason: { kind: 'error', fault: { kind: 'server', status: 503 } } });
    expect(f.requests.length).toBe(4);
  });
});
