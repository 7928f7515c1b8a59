import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type SimDialect } from '../../src/sim/server.js';
import { silentLogger } from '../../src/util/logger.js';
import { fixture, startFakePingApi, type FakePingApi } from '../fakes/fake-ping-api.js';
import { CLI, jsonLines, killStarted, runProgram, startProgram, testEnv } from '../support/spawn.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killStarted();
  while (cleanup.length) await cleanup.pop()?.();
});

// Against a fake API there is no SIM_SPEED: poll right away and often.
const FAST_POLLING = { PING_PACKET_MS: '1', PING_INTERVAL_MS: '10', PING_MAX_INTERVAL_MS: '50' };
const SECRET = 'sekret-123';

const check = (args: string[], env: Record<string, string | undefined> = {}) => runProgram([...CLI, 'check', ...args], { env: testEnv(env) });

async function fakeApi(): Promise<FakePingApi> {
  const api = await startFakePingApi();
  cleanup.push(() => api.close());
  return api;
}

describe('pingops check (monitoring exit codes)', () => {
  it('--json prints exactly one JSON line with the verdict and exits 0 for a stable line', async () => {
    const r = await check(['1001', '--json']);

    expect(r).toMatchObject({ code: 0, signal: null });
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(Object.keys(out).sort()).toEqual(['cached', 'elapsed_ms', 'loss_pct', 'message', 'polls', 'rtt_ms', 'service_id', 'task_id', 'verdict']);
    // The middleware does not say loss or RTT.
    expect(out).toMatchObject({ service_id: 1001, verdict: 'stable', task_id: expect.stringMatching(/^[0-9a-f-]{36}$/), polls: expect.any(Number), loss_pct: null, rtt_ms: null });
    expect(out.polls).toBeGreaterThanOrEqual(1);
    expect(out.elapsed_ms).toEqual(expect.any(Number));
  });

  it.each([
    ['1002', 'intermittent', 1],
    ['1003', 'no_internet', 2],
    ['1004', 'failed', 3],
    ['1008', 'antenna_only', 1],
  ] as const)('check %s --json reports %s and exits %i', async (id, verdict, code) => {
    const r = await check([id, '--json']);

    expect(r.code).toBe(code);
    expect(jsonLines(r.stdout)).toEqual([expect.objectContaining({ service_id: Number(id), verdict })]);
  });

  it('prints the final card for people when --json is not given', async () => {
    const r = await check(['client-1002']);

    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Jorge Ramírez · 1002: ⚠️ Intermittent connection');
    expect(r.stdout).toContain('  Address: Cl 45 #10-23 · La Esperanza · Duitama');
    expect(r.stdout).toMatch(/ {2}task [0-9a-f]{8} · \d+ polls? · /);
    expect(jsonLines(r.stdout)).toEqual([]);
  });

  it('exits 3 with a clear message for an unknown client, in both output modes', async () => {
    const human = await check(['9999']);
    expect(human.code).toBe(3);
    expect(human.stderr).toContain('Client 9999 not found.');
    expect(human.stdout).toBe('');

    const json = await check(['9999', '--json']);
    expect(json.code).toBe(3);
    expect(jsonLines(json.stdout)).toEqual([{ service_id: null, verdict: null, error: 'not_found', message: 'Client 9999 not found.' }]);
  });

  it('reports a check that never finishes as timed out and exits 3', async () => {
    const r = await check(['1005', '--json'], { PING_TIMEOUT_MS: '1000' });

    expect(r.code).toBe(3);
    expect(jsonLines(r.stdout)).toEqual([expect.objectContaining({ service_id: 1005, verdict: 'timed_out' })]);
  });

  it.each([
    [[], 'check needs a target'],
    [['1001', '--packets', '99'], '--packets takes a whole number from 1 to 20'],
    [['1001', '--loud'], 'unknown option --loud'],
  ])('check %j is a usage error: exit 3 and the usage on stderr', async (args, message) => {
    const r = await check(args);

    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`pingops: ${message}`);
    expect(r.stderr).toContain('Usage:\n  pingops check <target> [--packets N] [--json] [--fresh]');
    expect(r.stdout).toBe('');
  });

  it('exits 3 on a bad setting, naming it and never echoing a secret', async () => {
    const r = await check(['1001'], { PING_PACKETS: 'abc', PING_API_KEY: SECRET });

    expect(r.code).toBe(3);
    expect(r.stderr).toContain('invalid configuration');
    expect(r.stderr).toContain('PING_PACKETS: expected a whole number');
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  it('exits 3 with a clear message when the Ping API is down throughout', async () => {
    const api = await fakeApi();
    api.route('GET', /.*/, { status: 503, body: { detail: 'Service Unavailable' } });
    api.route('POST', /.*/, { status: 503, body: { detail: 'Service Unavailable' } });

    const r = await check(['1001'], { PING_API_URL: api.url, PING_API_KEY: SECRET, ...FAST_POLLING });

    expect(r.code).toBe(3);
    expect(r.stdout).toContain('Service 1001: ❌ Ping failed: Ping API unavailable (HTTP 503)');
    expect(r.stdout).toContain('The line was not tested.');
    // It did try (with retries) before giving up, and never leaked the key it sent.
    expect(api.requestsTo('POST', '/api/v1/1001/ping/').length).toBeGreaterThanOrEqual(1);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  it('sends the API key from the environment in X-API-Key on the wire, never in the output', async () => {
    const api = await fakeApi();
    api.route('GET', /^\/api\/v1\/clients\/by-service-id\/1001\/?$/, { status: 200, body: fixture('api-client-found.json') });
    api.route('POST', /^\/api\/v1\/1001\/ping\/?$/, { status: 200, body: fixture('api-create-ok.json') });
    api.route('GET', /^\/api\/v1\/ping\/[^/]+\/?$/, { status: 200, body: fixture('api-result-stable.json') });

    const r = await check(['1001', '--json', '--packets', '6'], { PING_API_URL: api.url, PING_API_KEY: SECRET, LOG_LEVEL: 'trace', ...FAST_POLLING });

    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([expect.objectContaining({ service_id: 1001, verdict: 'stable', task_id: '7f4c2a9e-3b1d-4e8a-9c55-0d6e2f1a8b34' })]);
    expect(api.requests.length).toBeGreaterThanOrEqual(3);
    for (const req of api.requests) expect(req.headers['x-api-key'], `${req.method} ${req.path}`).toBe(SECRET);
    // --packets reached the create call.
    expect(JSON.parse(api.requestsTo('POST', '/api/v1/1001/ping/')[0]?.body ?? '{}')).toEqual({ pings: 6 });
    // Even at trace level the logs name the key's header at most, never its value.
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });
});

/**
 * `npx pingops check` against a separate Ping API process on loopback, configured as an
 * operator would: the middleware as documented (v1), the middleware's code today (plain, found
 * through its /openapi.json), and WispHub directly.
 */
describe.each([
  ['v1', 'key'],
  ['plain', 'key'],
  ['wisphub', 'key'],
] as const)('pingops check against a %s API', (dialect: SimDialect, auth) => {
  let env: Record<string, string> = {};
  beforeEach(async () => {
    const sim = await startSimulator({ dialect, auth, speed: 50, logger: silentLogger });
    cleanup.push(() => sim.close());
    const key = sim.credentials.apiKey ?? '';
    env = {
      ...(dialect === 'wisphub' ? { WISPHUB_API_URL: sim.url, WISPHUB_API_KEY: key } : { PING_API_URL: sim.url, PING_API_KEY: key }),
      PING_PACKET_MS: '20',
      PING_INTERVAL_MS: '10',
      PING_MAX_INTERVAL_MS: '50',
      PING_TIMEOUT_MS: '5000',
    };
  });

  it.each([
    ['1001', 'stable', 0],
    ['1002', 'intermittent', 1],
    ['1003', 'no_internet', 2],
    ['1004', 'failed', 3],
    ['1008', 'antenna_only', 1],
  ] as const)('check %s --json reports %s and exits %i', async (id, verdict, code) => {
    const r = await check([id, '--json'], env);

    expect(r.code, r.stderr).toBe(code);
    const [out] = jsonLines(r.stdout) as Record<string, unknown>[];
    expect(out).toMatchObject({ service_id: Number(id), verdict });
    if (dialect !== 'wisphub') {
      expect(out).toMatchObject({ loss_pct: null, rtt_ms: null });
      return;
    }
    // Straight from WispHub, pingops measured the client's packets itself.
    const measured = {
      stable: { loss_pct: 0, rtt_ms: expect.any(Number) },
      intermittent: { loss_pct: expect.any(Number), rtt_ms: expect.any(Number) },
      no_internet: { loss_pct: 100, rtt_ms: null },
      antenna_only: { loss_pct: 100, rtt_ms: null },
      failed: { loss_pct: null, rtt_ms: null, message: 'input does not match any value of interface' },
    }[verdict];
    expect(out).toMatchObject(measured);
    if (verdict === 'intermittent') expect(out?.loss_pct).toBeGreaterThanOrEqual(20);
  });

  it('finds a client by name and prints the card for people', async () => {
    const r = await check(['Ana Morales'], env);

    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Ana Morales · 1001: ✅ Stable connection');
    expect(r.stdout).toContain('  Address: Cra 12 #34-56 · Centro · Tunja');
    if (dialect === 'wisphub') {
      expect(r.stdout).toMatch(/Stable connection · 0 % loss · \d+(\.\d)? ms/);
      expect(r.stdout).toContain('  Router: RB-4');
    }
  });

  it('exits 3 with "not found" for an unknown client', async () => {
    const r = await check(['9999', '--json'], env);

    expect(r.code).toBe(3);
    expect(jsonLines(r.stdout)).toEqual([{ service_id: null, verdict: null, error: 'not_found', message: 'Client 9999 not found.' }]);
  });

  it('exits 3 naming the key setting when the key is wrong', async () => {
    const wrong = dialect === 'wisphub' ? { WISPHUB_API_KEY: 'not-the-key' } : { PING_API_KEY: 'not-the-key' };
    const r = await check(['1001', '--json'], { ...env, ...wrong });

    expect(r.code).toBe(3);
    expect(r.stdout + r.stderr).toContain(dialect === 'wisphub' ? 'WISPHUB_API_KEY' : 'PING_API_KEY');
    expect(r.stdout + r.stderr).not.toContain('not-the-key');
  });
});

describe('choosing the Ping API', () => {
  it('refuses to start with both PING_API_URL and WISPHUB_API_URL, telling to pick one', async () => {
    const r = await check(['1001'], { PING_API_URL: 'http://127.0.0.1:9', WISPHUB_API_URL: 'http://127.0.0.1:9', WISPHUB_API_KEY: SECRET });

    expect(r.code).toBe(3);
    expect(r.stderr).toContain('pick one Ping API');
    expect(r.stderr).not.toContain(SECRET);
  });

  it.each(['plain', 'wisphub'])('SIM_DIALECT=%s: the embedded simulator speaks it and the check works', async (dialect) => {
    const r = await check(['1008', '--json'], { SIM_DIALECT: dialect });

    expect(r.code, r.stderr).toBe(1);
    expect(jsonLines(r.stdout)).toEqual([expect.objectContaining({ service_id: 1008, verdict: 'antenna_only' })]);
  });
});

describe('pingops check with a warm store', () => {
  it('needs no client look-up the second time, and keeps what the schedule learned', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pingops-cli-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const api = await fakeApi();
    api.route('GET', /^\/api\/v1\/clients\/by-service-id\/1001\/?$/, { status: 200, body: fixture('api-client-found.json') });
    api.route('POST', /^\/api\/v1\/1001\/ping\/?$/, { status: 200, body: fixture('api-create-ok.json') });
    api.route('GET', /^\/api\/v1\/ping\/[^/]+\/?$/, { status: 200, body: fixture('api-result-stable.json') });
    // No shared verdict cache here: the second run must ping again, with the card it stored.
    const env = { PING_API_URL: api.url, PINGOPS_DB: join(dir, 'pingops.db'), PING_RESULT_CACHE_MS: '0', ...FAST_POLLING };

    const first = await check(['1001', '--json'], env);
    const second = await check(['client-1001', '--json'], env);

    expect([first.code, second.code]).toEqual([0, 0]);
    expect(jsonLines(second.stdout)).toEqual([expect.objectContaining({ service_id: 1001, verdict: 'stable' })]);
    // (The route-layout probe of each process asks for service id 0, not 1001.)
    expect(api.requestsTo('GET', /by-service-id\/1001/)).toHaveLength(1);
    expect(api.requestsTo('POST', /\/ping\/?$/)).toHaveLength(2);
    const db = new Database(join(dir, 'pingops.db'), { readonly: true });
    const keys = db.prepare('SELECT key, observed FROM duration_models').all();
    db.close();
    expect(keys).toEqual([{ key: `${api.url}|4`, observed: 2 }]);
  });
});

describe('pingops check with a store it cannot open', () => {
  it('exits 3 naming PINGOPS_DB, before any request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pingops-cli-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'not-a-folder'), 'x');
    const api = await fakeApi();

    const r = await check(['1001'], { PING_API_URL: api.url, PINGOPS_DB: join(dir, 'not-a-folder', 'pingops.db') });

    expect(r.code).toBe(3);
    expect(r.stderr).toContain('cannot open the store PINGOPS_DB=');
    expect(api.requests).toEqual([]);
  });
});

describe('pingops check with hostile text from the Ping API', () => {
  it('lists ambiguous matches on stderr without the escape sequences in their names', async () => {
    const api = await fakeApi();
    const found = fixture('api-client-found.json') as { data: Record<string, unknown> };
    const evil = (id: number) => ({ ...found.data, service_id: id, name: `Eve\u001b[2J\u001b]0;pwned\u0007 \u202eenilno\u202c ${id}` });
    api.route('GET', /^\/api\/v1\/clients\/search\/?$/, {
      status: 200,
      body: { ok: true, type: 'success', action: 'clients_listed', data: [evil(1001), evil(1002)], message: null },
    });

    const r = await check(['Eve'], { PING_API_URL: api.url });

    expect(r.code).toBe(3);
    expect(r.stderr).toContain('• Eve enilno 1001 · 1001');
    expect(r.stderr).toContain('• Eve enilno 1002 · 1002');
    // eslint-disable-next-line no-control-regex
    expect(r.stdout + r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u);
    expect(api.requestsTo('POST', /\/ping\/?$/)).toEqual([]);
  });
});

describe('the store from the command line', () => {
  const tempDb = () => {
    const dir = mkdtempSync(join(tmpdir(), 'pingops-cli-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    return join(dir, 'pingops.db');
  };

  it('answers a second process from the stored verdict; --fresh starts a new task', async () => {
    const db = { PINGOPS_DB: tempDb() };
    const first = jsonLines((await check(['1001', '--json'], db)).stdout)[0] as Record<string, unknown>;
    const second = jsonLines((await check(['1001', '--json'], db)).stdout)[0] as Record<string, unknown>;
    const fresh = jsonLines((await check(['1001', '--json', '--fresh'], db)).stdout)[0] as Record<string, unknown>;
    expect(first).toMatchObject({ verdict: 'stable', cached: false });
    expect(second).toMatchObject({ verdict: 'stable', cached: true, task_id: first.task_id });
    expect(fresh).toMatchObject({ verdict: 'stable', cached: false });
    expect(fresh.task_id).not.toBe(first.task_id);
    // Another packet count is another check: not answered from the 4-packet verdict.
    const eight = jsonLines((await check(['1001', '--json', '--packets', '8'], db)).stdout)[0] as Record<string, unknown>;
    expect(eight).toMatchObject({ cached: false });
  }, 30_000);

  it('history and audit list the stored checks, for people and as JSON', async () => {
    const db = { PINGOPS_DB: tempDb() };
    await check(['1003', '--json'], db);
    await check(['1002', '--json'], db);

    const history = await runProgram([...CLI, 'history', '1003'], { env: testEnv(db) });
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/^Luz Dary Castro · 1003 · last check:\n• just now · no internet · asked by .+ \(cli\)/);
    const json = jsonLines((await runProgram([...CLI, 'history', '1003', '--json'], { env: testEnv(db) })).stdout);
    expect(json).toEqual([expect.objectContaining({ service_id: 1003, verdict: 'no_internet', surface: 'cli', channel: 'cli', task_id: expect.any(String) })]);

    const audit = jsonLines((await runProgram([...CLI, 'audit', '--since', '1h', '--json'], { env: testEnv(db) })).stdout);
    expect(audit.map((a) => (a as { service_id: number }).service_id)).toEqual([1003, 1002]);
    const human = await runProgram([...CLI, 'audit'], { env: testEnv(db) });
    expect(human.stdout).toMatch(/UTC {2}cli {2}cli {2}.+ {2}1002 {2}intermittent/);
  }, 30_000);

  it('prints its version, and check --help is an answer, not an error', async () => {
    const v = await runProgram([...CLI, '--version'], { env: testEnv() });
    expect(v).toMatchObject({ code: 0, stdout: expect.stringMatching(/^pingops \d+\.\d+\.\d+\n$/) });
    const h = await runProgram([...CLI, 'check', '--help'], { env: testEnv() });
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('pingops history <target>');
  });

  it('words a refusal for the command line, not for chat', async () => {
    const r = await check(['1001', '99'], { PINGOPS_DB: ':memory:' });
    expect(r.code).toBe(3);
    expect(r.stderr).not.toContain('/ping');
  });
});

describe('pingops sim', () => {
  it('prints its URL, serves /health on loopback, and exits 0 on SIGTERM', async () => {
    const p = startProgram([...CLI, 'sim', '--port', '0'], { env: testEnv() });
    await p.waitFor('npm start\n');
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+) /.exec(p.stdout())?.[1] ?? '';
    expect(url).not.toBe('');
    expect(p.stdout()).toContain(`Try it from another terminal: PING_API_URL=${url} npm start`);

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    // And it is a working Ping API, not just a health page.
    const client = await fetch(`${url}/api/v1/clients/by-service-id/1001`);
    expect(await client.json()).toMatchObject({ ok: true, data: { service_id: 1001, name: 'Ana Morales' } });

    p.signal('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
  });

  it('--dialect wisphub prints the WispHub settings to use and serves WispHub\'s routes with the key', async () => {
    const p = startProgram([...CLI, 'sim', '--port', '0', '--dialect', 'wisphub'], { env: testEnv() });
    await p.waitFor('npm start\n');
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+) /.exec(p.stdout())?.[1] ?? '';
    const key = /WISPHUB_API_KEY=(\S+)/.exec(p.stdout())?.[1] ?? '';
    expect(p.stdout()).toContain(`Try it from another terminal: WISPHUB_API_URL=${url} WISPHUB_API_KEY=${key} npm start`);

    expect((await fetch(`${url}/api/clientes/1001/`)).status).toBe(403);
    const client = await fetch(`${url}/api/clientes/1001/`, { headers: { authorization: `Api-Key ${key}` } });
    expect(await client.json()).toMatchObject({ id_servicio: 1001, nombre: 'Ana Morales', estado: 'Activo', router: { nombre: 'RB-4' } });

    p.signal('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
  });

  it('rejects a bad port with a usage error', async () => {
    const r = await runProgram([...CLI, 'sim', '--port', 'http'], { env: testEnv() });

    expect(r.code).toBe(3);
    expect(r.stderr).toContain('--port takes a port number (0-65535)');
  });
});
