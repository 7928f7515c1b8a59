import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { scenarioFor, type Outcome } from '../../src/sim/scenarios.js';
import { seededRandom } from '../../src/sim/seeded.js';
import { startSimulator, type SimShape, type Simulator, type SimulatorOptions } from '../../src/sim/server.js';
import { silentLogger } from '../../src/util/logger.js';
import { ManualClock } from '../support/manual-clock.js';
import { call, createPing, poll, taskIdOf, type Answer } from './http.js';

const running: Simulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function sim(opts: Partial<SimulatorOptions> = {}): Promise<{ sim: Simulator; clock: ManualClock }> {
  const clock = new ManualClock(Date.parse('2026-11-28T15:00:00Z'));
  const s = await startSimulator({ logger: silentLogger, clock, random: seededRandom(7), ...opts });
  running.push(s);
  return { sim: s, clock };
}

/** What a user of each shape sees for each outcome: the wire answer, status and body. */
const EXPECTED: Record<SimShape, Record<Exclude<Outcome, 'never'>, (a: Answer) => void>> = {
  envelope: {
    stable: (a) => expect([a.status, a.json]).toEqual([200, { ok: true, type: 'success', action: 'stable_connection', data: null, message: null, meta: null }]),
    intermittent: (a) => expect([a.status, a.json]).toEqual([200, { ok: true, type: 'info', action: 'intermittent_connection', data: null, message: null, meta: null }]),
    no_internet: (a) => expect([a.status, a.json]).toEqual([200, { ok: true, type: 'info', action: 'no_internet', data: null, message: null, meta: null }]),
    antenna_only: (a) => expect([a.status, a.json]).toEqual([200, { ok: true, type: 'info', action: 'antenna_only', data: null, message: null, meta: null }]),
    failed: (a) => {
      expect(a.status).toBe(200);
      expect(a.json).toMatchObject({ ok: false, type: 'error', action: 'ping_failed', data: null, meta: null });
      expect((a.json as { message: unknown }).message).toEqual(expect.any(String));
    },
  },
  status: {
    stable: (a) => expect([a.status, a.json]).toEqual([200, { status: 'stable', message: 'Client device has an active connection.' }]),
    intermittent: (a) => expect([a.status, (a.json as { status: string }).status]).toEqual([200, 'intermittent']),
    no_internet: (a) => expect([a.status, (a.json as { status: string }).status]).toEqual([200, 'no_internet']),
    antenna_only: (a) => expect([a.status, a.json]).toEqual([200, { status: 'antenna_only', message: 'Customer device is unreachable, but the main antenna has connection.' }]),
    failed: (a) => {
      expect(a.status).toBe(400);
      expect(a.json).toEqual({ detail: expect.stringMatching(/^Ping failed: .+/) });
    },
  },
};

const FIXED: [number, Exclude<Outcome, 'never'>][] = [
  [1001, 'stable'],
  [1002, 'intermittent'],
  [1003, 'no_internet'],
  [1004, 'failed'],
  [1007, 'stable'],
  [1008, 'antenna_only'],
  [1013, 'stable'],
];

/** The first derived (non-README) id of each outcome, so generated lines are exercised too. */
const DERIVED = (['stable', 'intermittent', 'no_internet', 'antenna_only', 'failed'] as const).map((o): [number, Exclude<Outcome, 'never'>] => {
  for (let id = 1014; id < 2000; id++) if (scenarioFor(id)?.outcome === o) return [id, o];
  throw new Error(`no derived ${o}`);
});

describe.each<SimShape>(['envelope', 'status'])('%s shape', (shape) => {
  it.each([...FIXED, ...DERIVED])('service %i reaches %s', async (id, outcome) => {
    const { sim: s, clock } = await sim({ shape });
    const created = await createPing(s.url, id, 5);
    if (shape === 'envelope') {
      expect(created.status).toBe(200);
      expect(created.json).toEqual({ ok: true, type: 'success', action: 'ping_created', data: { task_id: expect.any(String) }, message: null, meta: null });
    } else {
      expect(created.status).toBe(202);
      expect(created.json).toEqual({ task_id: expect.any(String) });
    }
    const taskId = taskIdOf(created);
    expect(taskId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const early = await poll(s.url, taskId);
    expect(early.status).toBe(200);
    expect(early.text).toContain('pending');

    await clock.advance(60_000);
    const final = await poll(s.url, taskId);
    EXPECTED[shape][outcome](final);
    // A finished task keeps answering the same.
    expect((await poll(s.url, taskId)).text).toBe(final.text);
  });

  it('1005 never finishes', async () => {
    const { sim: s, clock } = await sim({ shape });
    const taskId = taskIdOf(await createPing(s.url, 1005));
    const pendingTexts =
      shape === 'envelope'
        ? ['{"action":"pending"}', '{"result":"pending"}', '{"status":"pending","message":"Ping task is still processing."}', '', 'null']
        : ['{"status":"pending","message":"Ping task is still processing."}'];
    for (let i = 0; i < 6; i++) {
      await clock.advance(3_600_000);
      const a = await poll(s.url, taskId);
      expect(a.status).toBe(200);
      expect(pendingTexts).toContain(a.text);
    }
  });
});

describe('task timing', () => {
  it('lasts about a second per packet plus 0.3-1.5 s, divided by speed', async () => {
    // random 0.5: duration = (4 × 1000 + 300 + 600) / speed.
    for (const speed of [1, 10]) {
      const { sim: s, clock } = await sim({ shape: 'status', speed, random: () => 0.5 });
      const taskId = taskIdOf(await createPing(s.url, 1001, 4));
      await clock.advance(4899 / speed);
      expect((await poll(s.url, taskId)).json).toMatchObject({ status: 'pending' });
      await clock.advance(1 / speed);
      expect((await poll(s.url, taskId)).json).toMatchObject({ status: 'stable' });
    }
  });

  it('more packets take longer', async () => {
    const { sim: s, clock } = await sim({ shape: 'status', random: () => 0.5 });
    const four = taskIdOf(await createPing(s.url, 1001, 4));
    const ten = taskIdOf(await createPing(s.url, 1001, 10));
    await clock.advance(6_000);
    expect((await poll(s.url, four)).json).toMatchObject({ status: 'stable' });
    expect((await poll(s.url, ten)).json).toMatchObject({ status: 'pending' });
    await clock.advance(5_000);
    expect((await poll(s.url, ten)).json).toMatchObject({ status: 'stable' });
  });

  it('runs on the real clock when none is given (high speed)', async () => {
    const s = await startSimulator({ logger: silentLogger, speed: 200 });
    running.push(s);
    const taskId = taskIdOf(await createPing(s.url, 1002, 4));
    let last: Answer | null = null;
    for (let i = 0; i < 200; i++) {
      last = await poll(s.url, taskId);
      if (last.text.includes('intermittent_connection')) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(last?.json).toMatchObject({ action: 'intermittent_connection' });
  });
});

describe('pending answers', () => {
  it('rotate through every observed form, per task', async () => {
    const { sim: s } = await sim();
    const taskId = taskIdOf(await createPing(s.url, 1005));
    const texts: string[] = [];
    for (let i = 0; i < 7; i++) {
      const a = await poll(s.url, taskId);
      expect(a.status).toBe(200);
      texts.push(a.text);
    }
    expect(texts).toEqual([
      '{"action":"pending"}',
      '{"result":"pending"}',
      '{"status":"pending","message":"Ping task is still processing."}',
      '',
      'null',
      '{"action":"pending"}',
      '{"result":"pending"}',
    ]);
    const other = taskIdOf(await createPing(s.url, 1005));
    expect((await poll(s.url, other)).text).toBe('{"action":"pending"}');
  });
});

describe('failures carry the router reason', () => {
  it('envelope message and status detail name the interface error', async () => {
    for (const shape of ['envelope', 'status'] as const) {
      const { sim: s, clock } = await sim({ shape });
      const taskId = taskIdOf(await createPing(s.url, 1004));
      await clock.advance(60_000);
      const a = await poll(s.url, taskId);
      expect(a.text).toContain('input does not match any value of interface');
    }
  });
});

describe('errors', () => {
  it.each<[string, string, RequestInit, number, unknown]>([
    ['unknown service', '/api/v1/9999/ping/', { method: 'POST', body: '{"pings":4}' }, 404, { ok: false, type: 'error', action: 'service_not_found' }],
    ['service below the range', '/api/v1/999/ping/', { method: 'POST', body: '{"pings":4}' }, 404, { action: 'service_not_found' }],
    ['non-integer service id', '/api/v1/abc/ping/', { method: 'POST', body: '{"pings":4}' }, 422, { detail: [{ type: 'int_parsing', loc: ['path', 'service_id'] }] }],
    ['fractional service id', '/api/v1/1001.5/ping/', { method: 'POST', body: '{"pings":4}' }, 422, { detail: [{ loc: ['path', 'service_id'] }] }],
    ['pings missing', '/api/v1/1001/ping/', { method: 'POST', body: '{}' }, 422, { detail: [{ type: 'missing', loc: ['body', 'pings'] }] }],
    ['pings zero', '/api/v1/1001/ping/', { method: 'POST', body: '{"pings":0}' }, 422, { detail: [{ type: 'greater_than_equal', loc: ['body', 'pings'] }] }],
    ['pings 21', '/api/v1/1001/ping/', { method: 'POST', body: '{"pings":21}' }, 422, { detail: [{ type: 'less_than_equal', loc: ['body', 'pings'] }] }],
    ['pings fractional', '/api/v1/1001/ping/', { method: 'POST', body: '{"pings":2.5}' }, 422, { detail: [{ type: 'int_from_float' }] }],
    ['pings a string', '/api/v1/1001/ping/', { method: 'POST', body: '{"pings":"4"}' }, 422, { detail: [{ type: 'int_type' }] }],
    ['body an array', '/api/v1/1001/ping/', { method: 'POST', body: '[4]' }, 422, { detail: [{ type: 'model_attributes_type', loc: ['body'] }] }],
    ['no body', '/api/v1/1001/ping/', { method: 'POST' }, 422, { detail: [{ type: 'missing', loc: ['body'] }] }],
    ['bad JSON', '/api/v1/1001/ping/', { method: 'POST', body: '{"pings":' }, 422, { detail: [{ type: 'json_invalid' }] }],
    ['unknown task', '/api/v1/ping/00000000-0000-4000-8000-000000000000/', {}, 404, { ok: false, action: 'task_not_found' }],
    ['unknown route', '/api/v2/whatever', {}, 404, { detail: 'Not Found' }],
    ['root', '/', {}, 404, { detail: 'Not Found' }],
    ['wrong method', '/api/v1/1001/ping/', { method: 'GET' }, 405, { detail: 'Method Not Allowed' }],
    ['login route without jwt', '/api/v1/auth/token', { method: 'POST', body: 'username=a&password=b' }, 404, { detail: 'Not Found' }],
  ])('%s', async (_name, path, init, status, body) => {
    const { sim: s } = await sim();
    const a = await call(`${s.url}${path}`, init);
    expect(a.status).toBe(status);
    expect(a.headers.get('content-type')).toBe('application/json');
    expect(a.json).toMatchObject(body as object);
  });

  it('reports path and body errors together, like FastAPI', async () => {
    const { sim: s } = await sim();
    const a = await call(`${s.url}/api/v1/x/ping/`, { method: 'POST', body: '{"pings":99}' });
    expect(a.status).toBe(422);
    expect((a.json as { detail: { loc: string[] }[] }).detail.map((d) => d.loc.join('.'))).toEqual(['path.service_id', 'body.pings']);
  });

  it('status shape answers a missing service and task with a detail', async () => {
    const { sim: s } = await sim({ shape: 'status' });
    expect(await createPing(s.url, 9999)).toMatchObject({ status: 404, json: { detail: 'Service not found' } });
    expect(await poll(s.url, 'nope')).toMatchObject({ status: 404, json: { detail: 'Task not found' } });
  });

  it('refuses bodies over 64 KiB with 413', async () => {
    const { sim: s } = await sim();
    for (const size of [64 * 1024 + 1, 500_000]) {
      const a = await call(`${s.url}/api/v1/1001/ping/`, { method: 'POST', body: JSON.stringify({ pings: 4, pad: 'x'.repeat(size) }) });
      expect(a.status).toBe(413);
      expect(a.json).toEqual({ detail: 'Request body too large' });
    }
    expect((await createPing(s.url, 1001)).status).toBe(200);
    expect(s.stats().tasksCreated).toBe(1);
  });

  it('survives hostile input and keeps serving', async () => {
    const { sim: s } = await sim();
    const weird: [string, 'GET' | 'POST', number][] = [
      ['/api/v1/%E0%A4%A/ping/', 'POST', 422],
      [`/api/v1/clients/by-document/${'9'.repeat(5000)}`, 'GET', 404],
      ['/api/v1/clients/by-phone/%00%0A%0D', 'GET', 404],
      ['/api/v1/clients/search?q=%E0%A4%A', 'GET', 200],
      [`/api/v1/clients/search?q=${'a'.repeat(8000)}`, 'GET', 200],
      ['/api/v1/ping/..%2F..%2Fetc%2Fpasswd/', 'GET', 404],
      ['/api/v1/99999999999999999999999/ping/', 'POST', 404],
      ['/api/v1/clients/by-service-id/-1', 'GET', 404],
      ['//api//v1//1001//ping//', 'POST', 404],
    ];
    for (const [path, method, status] of weird) {
      const a = await call(`${s.url}${path}`, { method, ...(method === 'POST' && { body: '{"pings":4}' }) });
      expect(a.status, path).toBe(status);
      if (status === 200) expect(a.json, path).toMatchObject({ action: 'clients_listed', data: [] });
    }
    const nested = '['.repeat(60_000) + ']'.repeat(60_000);
    expect((await call(`${s.url}/api/v1/1001/ping/`, { method: 'POST', body: nested.slice(0, 64_000) })).status).toBe(422);
    expect((await call(`${s.url}/api/v1/1001/ping/`, { method: 'POST', body: '{"__proto__":{"pings":4}}' })).status).toBe(422);
    expect((await call(`${s.url}/health`)).json).toEqual({ status: 'ok' });
  });

  it('answers a malformed HTTP request with 400 and keeps serving', async () => {
    const { sim: s } = await sim();
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = connect(s.port, '127.0.0.1', () => sock.write('BLAH /\r\n\r\n'));
      let data = '';
      sock.on('data', (d: Buffer) => (data += d.toString()));
      sock.on('close', () => resolve(data));
      sock.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect((await call(`${s.url}/health`)).status).toBe(200);
  });
});

describe('health, stats and lifecycle', () => {
  it('answers /health without auth, and HEAD too', async () => {
    const { sim: s } = await sim({ auth: 'key' });
    expect(await call(`${s.url}/health`)).toMatchObject({ status: 200, json: { status: 'ok' } });
    expect(await call(`${s.url}/health`, { method: 'HEAD' })).toMatchObject({ status: 200, text: '' });
  });

  it('counts requests, polls and tasks', async () => {
    const { sim: s } = await sim();
    expect(s.stats()).toEqual({ tasksCreated: 0, polls: 0, requests: 0 });
    const taskId = taskIdOf(await createPing(s.url, 1001));
    await poll(s.url, taskId);
    await poll(s.url, taskId);
    await poll(s.url, 'unknown');
    await call(`${s.url}/health`);
    await createPing(s.url, 9999);
    expect(s.stats()).toEqual({ tasksCreated: 1, polls: 3, requests: 6 });
  });

  it('listens on 127.0.0.1 on a free port and says so in its url', async () => {
    const { sim: s } = await sim();
    expect(s.port).toBeGreaterThan(0);
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
  });

  it('close() ends idle and half-sent connections, and is safe twice', async () => {
    const s = await startSimulator({ logger: silentLogger });
    await call(`${s.url}/health`); // leaves a keep-alive connection idle in fetch's pool
    const half = connect(s.port, '127.0.0.1', () => half.write('POST /api/v1/1001/ping/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"pi'));
    const halfClosed = new Promise<void>((resolve) => half.on('close', () => resolve()));
    half.on('error', () => {});
    await new Promise((r) => setTimeout(r, 20));
    await s.close();
    await halfClosed;
    await s.close();
    await expect(fetch(`${s.url}/health`)).rejects.toThrow();
  });

  it('rejects a non-positive speed', async () => {
    await expect(startSimulator({ logger: silentLogger, speed: 0 })).rejects.toThrow(/speed/);
  });
});
