import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/sim/server.js';
import { silentLogger } from '../../src/util/logger.js';
import { ManualClock } from '../support/manual-clock.js';
import { call, createPing, poll, taskIdOf } from './http.js';

const running: Simulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function sim(opts: Partial<SimulatorOptions>): Promise<Simulator> {
  const s = await startSimulator({ logger: silentLogger, ...opts });
  running.push(s);
  return s;
}

function login(s: Simulator, username: string, password: string) {
  return call(`${s.url}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }).toString(),
  });
}

describe('static key', () => {
  it('requires the right key on every API route, but not on /health', async () => {
    const s = await sim({ auth: 'key', apiKey: 'k-123' });
    const denied = { status: 403, json: { detail: 'Invalid API key' } };
    expect(await createPing(s.url, 1001)).toMatchObject(denied);
    expect(await createPing(s.url, 1001, 4, { 'X-API-Key': 'k-124' })).toMatchObject(denied);
    expect(await call(`${s.url}/api/v1/clients/by-service-id/1001`)).toMatchObject(denied);
    expect(await call(`${s.url}/api/v1/clients/search?q=ana`, { headers: { 'x-api-key': '' } })).toMatchObject(denied);
    expect(await poll(s.url, 'whatever')).toMatchObject(denied);
    expect((await call(`${s.url}/health`)).status).toBe(200);

    const created = await createPing(s.url, 1001, 4, { 'X-API-Key': 'k-123' });
    expect(created.status).toBe(200);
    expect((await poll(s.url, taskIdOf(created), { 'x-api-key': 'k-123' })).status).toBe(200);
    expect(s.credentials).toEqual({ apiKey: 'k-123', username: null, password: null });
  });

  it('reads the configured header name', async () => {
    const s = await sim({ auth: 'key', apiKey: 'k-9', apiKeyHeader: 'X-Ping-Key' });
    expect((await createPing(s.url, 1001, 4, { 'X-API-Key': 'k-9' })).status).toBe(403);
    expect((await createPing(s.url, 1001, 4, { 'X-Ping-Key': 'k-9' })).status).toBe(200);
  });

  it('generates a key when none is given, and accepts only that one', async () => {
    const a = await sim({ auth: 'key' });
    const b = await sim({ auth: 'key' });
    const key = a.credentials.apiKey;
    expect(key).toMatch(/^sim_[A-Za-z0-9_-]{20,}$/);
    expect(key).not.toBe(b.credentials.apiKey);
    expect((await createPing(a.url, 1001, 4, { 'X-API-Key': key ?? '' })).status).toBe(200);
    expect((await createPing(b.url, 1001, 4, { 'X-API-Key': key ?? '' })).status).toBe(403);
  });

  it('routing comes before auth: an unknown route is 404 even without a key', async () => {
    const s = await sim({ auth: 'key', apiKey: 'k' });
    expect((await call(`${s.url}/api/v1/nothing`)).status).toBe(404);
  });
});

describe('JWT', () => {
  it('logs in with form data and accepts the bearer token', async () => {
    const s = await sim({ auth: 'jwt', username: 'noc', password: 'pw' });
    const ok = await login(s, 'noc', 'pw');
    expect(ok.status).toBe(200);
    const body = ok.json as { access_token: string; token_type: string };
    expect(body.token_type).toBe('bearer');
    expect(body.access_token.split('.')).toHaveLength(3);
    const created = await createPing(s.url, 1001, 4, { authorization: `Bearer ${body.access_token}` });
    expect(created.status).toBe(200);
    expect((await call(`${s.url}/api/v1/clients/by-service-id/1001`, { headers: { authorization: `bearer ${body.access_token}` } })).status).toBe(200);
  });

  it.each([
    ['wrong password', 'noc', 'nope'],
    ['wrong user', 'admin', 'pw'],
    ['empty', '', ''],
  ])('refuses a login with a %s', async (_n, user, pass) => {
    const s = await sim({ auth: 'jwt', username: 'noc', password: 'pw' });
    const a = await login(s, user, pass);
    expect(a.status).toBe(401);
    expect(a.json).toEqual({ detail: 'Incorrect username or password' });
    expect(a.text).not.toContain('pw');
  });

  it('wants both form fields', async () => {
    const s = await sim({ auth: 'jwt', username: 'noc', password: 'pw' });
    const a = await call(`${s.url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"noc","password":"pw"}' });
    expect(a.status).toBe(422);
    expect((a.json as { detail: { loc: string[] }[] }).detail.map((d) => d.loc.join('.'))).toEqual(['body.username', 'body.password']);
  });

  it.each([
    ['no header', {}],
    ['a garbage token', { authorization: 'Bearer abc.def.ghi' }],
    ['a non-bearer scheme', { authorization: 'Basic bm9jOnB3' }],
    ['a static key instead', { 'x-api-key': 'pw' }],
  ])('answers 401 to %s', async (_n, headers) => {
    const s = await sim({ auth: 'jwt', username: 'noc', password: 'pw' });
    const a = await createPing(s.url, 1001, 4, headers);
    expect(a.status).toBe(401);
    expect(a.headers.get('www-authenticate')).toBe('Bearer');
    expect(a.json).toEqual({ detail: expect.stringMatching(/^(Could not validate credentials\.|Not authenticated)$/) });
  });

  it('expires tokens after tokenTtlMs on the clock; a new login works again', async () => {
    const clock = new ManualClock();
    const s = await sim({ auth: 'jwt', username: 'noc', password: 'pw', tokenTtlMs: 60_000, clock });
    const token = (((await login(s, 'noc', 'pw')).json) as { access_token: string }).access_token;
    const auth = { authorization: `Bearer ${token}` };
    await clock.advance(59_000);
    expect((await createPing(s.url, 1001, 4, auth)).status).toBe(200);
    await clock.advance(1_000);
    const expired = await createPing(s.url, 1001, 4, auth);
    expect(expired).toMatchObject({ status: 401, json: { detail: 'Could not validate credentials.' } });
    const fresh = (((await login(s, 'noc', 'pw')).json) as { access_token: string }).access_token;
    expect((await createPing(s.url, 1001, 4, { authorization: `Bearer ${fresh}` })).status).toBe(200);
  });

  it('defaults to a 60-minute token', async () => {
    const clock = new ManualClock();
    const s = await sim({ auth: 'jwt', username: 'noc', password: 'pw', clock });
    const token = (((await login(s, 'noc', 'pw')).json) as { access_token: string }).access_token;
    await clock.advance(59 * 60_000);
    expect((await poll(s.url, 'x', { authorization: `Bearer ${token}` })).status).toBe(404);
    await clock.advance(60_000);
    expect((await poll(s.url, 'x', { authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it('does not accept a token signed by another simulator (unknown token)', async () => {
    const a = await sim({ auth: 'jwt', username: 'noc', password: 'pw' });
    const b = await sim({ auth: 'jwt', username: 'noc', password: 'pw' });
    const token = (((await login(a, 'noc', 'pw')).json) as { access_token: string }).access_token;
    expect((await createPing(b.url, 1001, 4, { authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it('generates credentials when none are given', async () => {
    const s = await sim({ auth: 'jwt' });
    const { username, password, apiKey } = s.credentials;
    expect(apiKey).toBeNull();
    expect(username).toEqual(expect.any(String));
    expect(password?.length).toBeGreaterThanOrEqual(20);
    expect((await login(s, username ?? '', password ?? '')).status).toBe(200);
  });
});

describe('secrets stay out of logs', () => {
  it('logs requests at debug without keys, passwords or tokens', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(chunk.toString()), cb()) }));
    const keyed = await startSimulator({ logger, auth: 'key', apiKey: 'KEY-SECRET-1' });
    running.push(keyed);
    await createPing(keyed.url, 1001, 4, { 'X-API-Key': 'KEY-SECRET-1' });
    const jwt = await startSimulator({ logger, auth: 'jwt', username: 'noc', password: 'PASS-SECRET-2' });
    running.push(jwt);
    const token = (((await login(jwt, 'noc', 'PASS-SECRET-2')).json) as { access_token: string }).access_token;
    await createPing(jwt.url, 1002, 4, { authorization: `Bearer ${token}` });

    const text = lines.join('');
    expect(text).toContain('sim task created');
    expect(text).toContain('"serviceId":1002');
    for (const secret of ['KEY-SECRET-1', 'PASS-SECRET-2', token]) expect(text).not.toContain(secret);
  });
});
