import { describe, expect, it } from 'vitest';
import type { PingApiAuth } from '../../src/config.js';
import { PermanentError, TransientError } from '../../src/core/errors.js';
import { readLoginAnswer } from '../../src/pingapi/auth.js';
import { createPingApi } from '../../src/pingapi/http-client.js';
import { silentLogger } from '../../src/util/logger.js';
import { Secret } from '../../src/util/secret.js';
import { fixture, type RecordedRequest } from '../fakes/fake-ping-api.js';
import { rejectionOf, retryRecorder, useFakePingApi } from './helpers.js';

const TASK = '7f4c2a9e-3b1d-4e8a-9c55-0d6e2f1a8b34';
const LOGIN = '/api/v1/auth/token';
const RESULT = /^\/api\/v1\/ping\/[^/]+\/$/;
const JWT: PingApiAuth = { kind: 'jwt', username: 'noc-bot', password: new Secret('hunter2-long-password') };

const api = useFakePingApi();

const client = (auth: PingApiAuth) =>
  createPingApi({ baseUrl: api.url, auth, timeoutMs: 2000, logger: silentLogger, minRetryDelayMs: 1, maxRetryDelayMs: 5 });

/** Logins hand out tok-1, tok-2, ...; the result route accepts only the tokens in `valid`. */
function jwtServer(valid: Set<string>) {
  let n = 0;
  api.route('POST', LOGIN, () => ({ status: 200, body: { access_token: `tok-${++n}`, token_type: 'bearer' } }));
  api.route('GET', RESULT, (req: RecordedRequest) => {
    const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
    return valid.has(token)
      ? { status: 200, body: fixture('api-result-stable.json') }
      : { status: 401, body: { detail: 'Could not validate credentials.' } };
  });
}

const logins = () => api.requestsTo('POST', LOGIN);

describe('JWT', () => {
  it('logs in with form data, then sends the bearer token', async () => {
    jwtServer(new Set(['tok-1']));
    await expect(client(JWT).getResult(TASK)).resolves.toMatchObject({ verdict: 'stable' });
    expect(logins()).toHaveLength(1);
    const login = logins()[0];
    expect(login?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(login?.body))).toEqual({ username: 'noc-bot', password: 'hunter2-long-password' });
    expect(api.requestsTo('GET', RESULT)[0]?.headers.authorization).toBe('Bearer tok-1');
  });

  it('caches the token: one login for many calls, concurrent ones included', async () => {
    jwtServer(new Set(['tok-1']));
    const c = client(JWT);
    await Promise.all(Array.from({ length: 5 }, () => c.getResult(TASK)));
    for (let i = 0; i < 3; i++) await c.getResult(TASK);
    expect(logins()).toHaveLength(1);
    expect(api.requestsTo('GET', RESULT)).toHaveLength(8);
  });

  it('logs in again once after a 401 (expired token) and retries the request', async () => {
    const valid = new Set(['tok-1']);
    jwtServer(valid);
    const c = client(JWT);
    await c.getResult(TASK);
    valid.clear();
    valid.add('tok-2'); // tok-1 expired on the server
    const retries = retryRecorder();
    await expect(c.getResult(TASK, { onRetry: retries.onRetry })).resolves.toMatchObject({ verdict: 'stable' });
    expect(logins()).toHaveLength(2);
    expect(api.requestsTo('GET', RESULT).map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
    expect(retries.calls).toEqual([]);
  });

  it('concurrent 401s share one re-login', async () => {
    const valid = new Set(['tok-1']);
    jwtServer(valid);
    const c = client(JWT);
    await c.getResult(TASK);
    valid.clear();
    valid.add('tok-2');
    await Promise.all(Array.from({ length: 4 }, () => c.getResult(TASK)));
    expect(logins()).toHaveLength(2);
  });

  it('a second 401 after the re-login is PermanentError(auth), with no more logins', async () => {
    jwtServer(new Set());
    const retries = retryRecorder();
    const err = await rejectionOf(client(JWT).getResult(TASK, { onRetry: retries.onRetry }));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).kind).toBe('auth');
    expect((err as PermanentError).status).toBe(401);
    expect(logins()).toHaveLength(2);
    expect(api.requestsTo('GET', RESULT)).toHaveLength(2);
    expect(retries.calls).toEqual([]);
  });

  it.each([400, 401, 403, 422])('a login refused with %i is PermanentError(auth) after one request', async (status) => {
    api.route('POST', LOGIN, { status, body: { detail: 'Incorrect username or password' } });
    const err = await rejectionOf(client(JWT).createTask(1001, 4));
    expect((err as PermanentError).kind).toBe('auth');
    expect((err as Error).message).toBe(`the Ping API rejected the username/password login (HTTP ${status})`);
    expect(api.requests).toHaveLength(1);
  });

  it('a login that hits a 500 or a dropped connection is transient and retried', async () => {
    api.routeSequence('POST', LOGIN, { status: 500 }, { status: 0, drop: true }, { status: 200, body: { access_token: 'tok-x', token_type: 'bearer' } });
    api.route('POST', /^\/api\/v1\/\d+\/ping\/$/, { status: 200, body: { task_id: 't1' } });
    const retries = retryRecorder();
    await expect(client(JWT).createTask(1001, 4, { onRetry: retries.onRetry })).resolves.toEqual({ taskId: 't1' });
    expect(retries.calls.map((c) => c.fault.kind)).toEqual(['server', 'network']);
    expect(logins()).toHaveLength(3);
  });

  it('a login answer without a token is malformed', async () => {
    api.route('POST', LOGIN, { status: 200, body: { token_type: 'bearer' } });
    const err = await rejectionOf(client(JWT).getResult(TASK, { retries: 0 }));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).kind).toBe('malformed');
  });

  it('a caller abandoning a shared login does not fail the others', async () => {
    let n = 0;
    api.route('POST', LOGIN, () => ({ status: 200, body: { access_token: `tok-${++n}` }, delayMs: 150 }));
    api.route('GET', RESULT, { status: 200, body: fixture('api-result-stable.json') });
    const c = client(JWT);
    const ctl = new AbortController();
    const first = c.getResult(TASK, { signal: ctl.signal });
    const second = c.getResult(TASK);
    setTimeout(() => ctl.abort(new Error('gone')), 30);
    await expect(first).rejects.toThrow('gone');
    await expect(second).resolves.toMatchObject({ verdict: 'stable' });
    // The abandoned login was cut; the second caller logged in on its own.
    expect(logins()).toHaveLength(2);
  });
});

describe('static key', () => {
  it('sends the key in X-API-Key by default and in a configured header', async () => {
    api.route('GET', RESULT, { status: 200, body: fixture('api-result-stable.json') });
    await client({ kind: 'key', header: 'X-API-Key', key: new Secret('key-abc-123') }).getResult(TASK);
    await client({ kind: 'key', header: 'X-Ping-Token', key: new Secret('key-def-456') }).getResult(TASK);
    expect(api.requests[0]?.headers['x-api-key']).toBe('key-abc-123');
    expect(api.requests[0]?.headers.authorization).toBeUndefined();
    expect(api.requests[1]?.headers['x-ping-token']).toBe('key-def-456');
  });

  it.each([401, 403])('a %i is PermanentError(auth) at once: exactly one request', async (status) => {
    api.route('POST', /ping/, { status, body: { detail: 'Invalid API key' } });
    const retries = retryRecorder();
    const err = await rejectionOf(client({ kind: 'key', header: 'X-API-Key', key: new Secret('key-abc-123') }).createTask(1001, 4, { onRetry: retries.onRetry }));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toBe(`the Ping API rejected the API key (HTTP ${status}): check PING_API_KEY`);
    expect(api.requests).toHaveLength(1);
    expect(retries.calls).toEqual([]);
  });
});

describe('no auth', () => {
  it('sends no credentials, and a 401 says credentials are needed', async () => {
    api.route('GET', RESULT, { status: 401 });
    const err = await rejectionOf(client({ kind: 'none' }).getResult(TASK));
    expect((err as PermanentError).kind).toBe('auth');
    expect((err as Error).message).toContain('set PING_API_KEY');
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]?.headers.authorization).toBeUndefined();
    expect(api.requests[0]?.headers['x-api-key']).toBeUndefined();
  });
});

describe('readLoginAnswer', () => {
  it.each([
    [200, '{"access_token":"abc.def.ghi","token_type":"bearer"}', 'abc.def.ghi'],
    [201, '{"access_token":"t"}', 't'],
  ])('%i %s → token', (status, body, token) => {
    expect(readLoginAnswer(status, body, null, 0)).toBe(token);
  });

  it.each([
    [200, '{}', 'malformed', TransientError],
    [200, '{"access_token":"a b"}', 'malformed', TransientError],
    [200, '<html>', 'malformed', TransientError],
    [200, '{"access_token":""}', 'malformed', TransientError],
    [401, '', 'auth', PermanentError],
    [404, '', 'auth', PermanentError],
    [429, '', 'rate_limited', TransientError],
    [502, '', 'server', TransientError],
  ])('%i %j → %s', (status, body, kind, type) => {
    try {
      readLoginAnswer(status, body, null, 0);
      expect.unreachable('should throw');
    } catch (e) {
      expect(e).toBeInstanceOf(type);
      expect((e as TransientError | PermanentError).kind).toBe(kind);
    }
  });
});
