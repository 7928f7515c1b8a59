/**
 * The result cache and the client cards are the provider's (issue 16): real `pingops check`
 * processes on one store file, against Ping APIs on loopback. A verdict or a card another API
 * gave (or the same API under other credentials) is never served as this one's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type SimDialect } from '../../src/sim/server.js';
import { silentLogger } from '../../src/util/logger.js';
import { fixture, startFakePingApi, type FakePingApi } from '../fakes/fake-ping-api.js';
import { CLI, jsonLines, killStarted, runProgram, testEnv } from '../support/spawn.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killStarted();
  while (cleanup.length) await cleanup.pop()?.();
});

const POLLING = { PING_PACKET_MS: '20', PING_INTERVAL_MS: '10', PING_MAX_INTERVAL_MS: '50', PING_TIMEOUT_MS: '5000' };

const check = (args: string[], env: Record<string, string>) => runProgram([...CLI, 'check', ...args], { env: testEnv(env) });

function storeFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pingops-identity-'));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'pingops.db');
}

/** A simulator process-alike on loopback and the settings that point pingops at it. */
async function sim(dialect: SimDialect): Promise<{ env: Record<string, string>; key: string }> {
  const s = await startSimulator({ dialect, auth: 'key', speed: 50, logger: silentLogger });
  cleanup.push(() => s.close());
  const key = s.credentials.apiKey ?? '';
  const env: Record<string, string> = dialect === 'wisphub' ? { WISPHUB_API_URL: s.url, WISPHUB_API_KEY: key } : { PING_API_URL: s.url, PING_API_KEY: key };
  return { env: { ...env, ...POLLING }, key };
}

async function fakeApi(name: string): Promise<FakePingApi> {
  const api = await startFakePingApi();
  cleanup.push(() => api.close());
  const found = fixture('api-client-found.json') as { data: Record<string, unknown> };
  api.route('GET', /^\/api\/v1\/clients\/by-service-id\/1001\/?$/, { status: 200, body: { ...found, data: { ...found.data, name } } });
  api.route('POST', /^\/api\/v1\/1001\/ping\/?$/, { status: 200, body: fixture('api-create-ok.json') });
  api.route('GET', /^\/api\/v1\/ping\/[^/]+\/?$/, { status: 200, body: fixture('api-result-stable.json') });
  return api;
}

describe('the result cache is the provider\'s', () => {
  it('a verdict from the middleware is not served to a WispHub-direct check of the same id', async () => {
    const db = { PINGOPS_DB: storeFile() };
    const middleware = await sim('v1');
    const wisphub = await sim('wisphub');

    const first = await check(['1001', '--json'], { ...middleware.env, ...db });
    const second = await check(['1001', '--json'], { ...wisphub.env, ...db });
    const third = await check(['1001', '--json'], { ...wisphub.env, ...db });

    expect(first.code, first.stderr).toBe(0);
    expect(jsonLines(first.stdout)).toEqual([expect.objectContaining({ verdict: 'stable', cached: false, loss_pct: null, rtt_ms: null })]);
    // WispHub's own answer: its packets measured, not the middleware's verdict from the store.
    expect(second.code, second.stderr).toBe(0);
    const [own] = jsonLines(second.stdout) as Record<string, unknown>[];
    expect(own).toMatchObject({ verdict: 'stable', cached: false, loss_pct: 0, rtt_ms: expect.any(Number) });
    // And WispHub's verdict is cached for WispHub.
    expect(jsonLines(third.stdout)).toEqual([expect.objectContaining({ verdict: 'stable', cached: true, task_id: own?.task_id, loss_pct: 0 })]);
  }, 60_000);

  it('a CLI with a wrong key on the same URL names the key instead of answering "stable, cached"', async () => {
    const db = { PINGOPS_DB: storeFile() };
    const middleware = await sim('v1');

    const good = await check(['1001', '--json'], { ...middleware.env, ...db });
    const wrong = await check(['1001', '--json'], { ...middleware.env, ...db, PING_API_KEY: 'not-the-key' });
    const human = await check(['1001'], { ...middleware.env, ...db, PING_API_KEY: 'not-the-key' });

    expect(good.code, good.stderr).toBe(0);
    expect(wrong.code).toBe(3);
    expect(jsonLines(wrong.stdout)).not.toContainEqual(expect.objectContaining({ cached: true }));
    expect(wrong.stdout + wrong.stderr).toContain('PING_API_KEY');
    expect(human.code).toBe(3);
    expect(human.stdout + human.stderr).toContain('PING_API_KEY');
    for (const r of [wrong, human]) expect(r.stdout + r.stderr).not.toContain('not-the-key');
    // The good key still finds its verdict.
    const again = await check(['1001', '--json'], { ...middleware.env, ...db });
    expect(jsonLines(again.stdout)).toEqual([expect.objectContaining({ verdict: 'stable', cached: true })]);
  }, 60_000);

  it('WispHub with a wrong key likewise names WISPHUB_API_KEY', async () => {
    const db = { PINGOPS_DB: storeFile() };
    const wisphub = await sim('wisphub');

    const good = await check(['1001', '--json'], { ...wisphub.env, ...db });
    const wrong = await check(['1001', '--json'], { ...wisphub.env, ...db, WISPHUB_API_KEY: 'not-the-key' });

    expect(good.code, good.stderr).toBe(0);
    expect(wrong.code).toBe(3);
    expect(wrong.stdout + wrong.stderr).toContain('WISPHUB_API_KEY');
    expect(wrong.stdout + wrong.stderr).not.toContain('not-the-key');
  }, 60_000);
});

describe('client cards are the provider\'s', () => {
  it('a card one API gave is not shown for another API', async () => {
    const db = { PINGOPS_DB: storeFile(), PING_RESULT_CACHE_MS: '0', ...POLLING };
    const a = await fakeApi('Ana Morales');
    const b = await fakeApi('Beatriz Otálora');

    const first = await check(['1001'], { PING_API_URL: a.url, ...db });
    const second = await check(['1001'], { PING_API_URL: b.url, ...db });
    const third = await check(['1001'], { PING_API_URL: b.url, ...db });

    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Ana Morales · 1001');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('Beatriz Otálora · 1001');
    expect(second.stdout).not.toContain('Ana Morales');
    // B's card is kept for B: its next process asks B nothing.
    expect(third.stdout).toContain('Beatriz Otálora · 1001');
    expect(b.requestsTo('GET', /by-service-id\/1001/)).toHaveLength(1);
  }, 60_000);
});
