import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { PingApiAuth } from '../../src/config.js';
import { createPingApi } from '../../src/pingapi/http-client.js';
import type { PingApi } from '../../src/core/ping-api.js';
import { Secret } from '../../src/util/secret.js';
import { fixture } from '../fakes/fake-ping-api.js';
import { captureLogs, useFakePingApi } from './helpers.js';

const KEY = 'KEY-s3cr3t-9f8e7d6c';
const PASSWORD = 'PW-s3cr3t-1a2b3c4d';
const TOKEN_PREFIX = 'TOKEN-s3cr3t-';
const TASK = '7f4c2a9e-3b1d-4e8a-9c55-0d6e2f1a8b34';
const CREATE = /^\/api\/v1\/\d+\/ping\/$/;
const RESULT = /^\/api\/v1\/ping\/[^/]+\/$/;

const api = useFakePingApi({ resetEach: false });

/**
 * Drives every path (success, retries, each fault, auth failures, servers that echo the
 * credential back) with a trace-level logger, and collects what could leak: log lines, thrown
 * errors and answers.
 */
describe('credentials never leak', () => {
  const { logger, lines } = captureLogs();
  const thrown: unknown[] = [];
  const answers: unknown[] = [];

  const make = (auth: PingApiAuth): PingApi =>
    createPingApi({ baseUrl: api.url, auth, timeoutMs: 300, logger, retries: 1, minRetryDelayMs: 1, maxRetryDelayMs: 2 });

  const attempt = async (p: Promise<unknown>) => {
    try {
      answers.push(await p);
    } catch (err) {
      thrown.push(err);
    }
  };

  const scenarios: [string, PingApiAuth, () => void, (c: PingApi) => Promise<unknown>][] = [];
  const key: PingApiAuth = { kind: 'key', header: 'X-API-Key', key: new Secret(KEY) };
  const jwt: PingApiAuth = { kind: 'jwt', username: 'noc', password: new Secret(PASSWORD) };
  let tokens = 0;
  const loginOk = () =>
    api.route('POST', '/api/v1/auth/token', () => ({ status: 200, body: { access_token: `${TOKEN_PREFIX}${++tokens}`, token_type: 'bearer' } }));

  scenarios.push(
    ['key: success', key, () => api.route('POST', CREATE, { status: 200, body: fixture('api-create-ok.json') }), (c) => c.createTask(1, 4)],
    ['key: 500 until exhausted', key, () => api.route('GET', RESULT, { status: 500, body: 'error' }), (c) => c.getResult(TASK)],
    ['key: 403', key, () => api.route('GET', RESULT, { status: 403, body: { detail: `bad key ${KEY}` } }), (c) => c.getResult(TASK)],
    ['key: 400 echoing the key', key, () => api.route('POST', CREATE, { status: 400, body: { detail: `key ${KEY} cannot ping` } }), (c) => c.createTask(1, 4)],
    ['key: 422 echoing the key', key, () => api.route('POST', CREATE, { status: 422, body: { detail: [{ loc: ['header', KEY], msg: `bad ${KEY}` }] } }), (c) => c.createTask(1, 4)],
    ['key: result message echoing the key', key, () => api.route('GET', RESULT, { status: 200, body: { status: 'pending', message: `using ${KEY}` } }), (c) => c.getResult(TASK)],
    ['key: look-up refused echoing the key', key, () => api.route('GET', /clients/, { status: 200, body: { ok: false, action: 'denied', message: `no ${KEY}` } }), (c) => c.clientByServiceId(1)],
    ['key: dropped connection', key, () => api.route('GET', RESULT, { status: 0, drop: true }), (c) => c.getResult(TASK)],
    ['key: timeout', key, () => api.route('GET', RESULT, { status: 200, body: {}, delayMs: 500 }), (c) => c.getResult(TASK, { timeoutMs: 50 })],
    ['key: 429', key, () => api.route('GET', RESULT, { status: 429, headers: { 'retry-after': '0' } }), (c) => c.getResult(TASK)],
    ['key: search', key, () => api.route('GET', /search/, { status: 200, body: { data: [{ service_id: KEY }] } }), (c) => c.searchClients('ana')],
    ['key: health', key, () => api.route('GET', '/health', { status: 500 }), (c) => c.health()],
    ['jwt: success', jwt, () => (loginOk(), api.route('GET', RESULT, { status: 200, body: fixture('api-result-stable.json') })), (c) => c.getResult(TASK)],
    ['jwt: 401 twice', jwt, () => (loginOk(), api.route('GET', RESULT, { status: 401, body: { detail: 'Could not validate credentials.' } })), (c) => c.getResult(TASK)],
    ['jwt: login refused echoing the password', jwt, () => api.route('POST', '/api/v1/auth/token', { status: 401, body: { detail: `wrong password ${PASSWORD}` } }), (c) => c.getResult(TASK)],
    ['jwt: login 500', jwt, () => api.route('POST', '/api/v1/auth/token', { status: 500, body: PASSWORD }), (c) => c.getResult(TASK)],
    [
      'jwt: server echoes the token',
      jwt,
      () => (loginOk(), api.route('GET', RESULT, (req) => ({ status: 400, body: { detail: `token ${String(req.headers.authorization)} refused` } }))),
      (c) => c.getResult(TASK),
    ],
    [
      'jwt: 400 on create echoing the token',
      jwt,
      () => (loginOk(), api.route('POST', CREATE, (req) => ({ status: 400, body: { detail: String(req.headers.authorization) } }))),
      (c) => c.createTask(1, 4),
    ],
  );

  it.each(scenarios)('%s', async (_name, auth, setup, run) => {
    api.reset();
    setup();
    await attempt(run(make(auth)));
    // The scenario reached the server: the leak checks below are about real traffic.
    expect(api.requests.length).toBeGreaterThan(0);
  });

  it('the credentials really were on the wire (so the checks below mean something)', () => {
    expect(tokens).toBeGreaterThan(0);
    expect(thrown.length).toBeGreaterThanOrEqual(10);
    expect(lines.length).toBeGreaterThan(20);
  });

  it('appear in no log line, no error and no answer', () => {
    const texts = [
      ...lines,
      ...thrown.flatMap((e) => [String(e), JSON.stringify(e), inspect(e), e instanceof Error ? (e.stack ?? '') : '']),
      ...answers.map((a) => JSON.stringify(a)),
    ];
    for (const text of texts) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(TOKEN_PREFIX);
    }
    // The echoed ones were scrubbed, not dropped.
    expect(thrown.some((e) => e instanceof Error && e.message.includes('[redacted]'))).toBe(true);
    expect(answers.some((a) => JSON.stringify(a).includes('using [redacted]'))).toBe(true);
  });
});
