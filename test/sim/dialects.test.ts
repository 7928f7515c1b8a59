import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/server.js';
import { silentLogger } from '../../src/util/logger.js';
import { readWispHubTask } from '../../src/pingapi/wisphub/verdict-from-packets.js';
import { layoutFromOpenApi } from '../../src/pingapi/routes.js';
import { ManualClock } from '../support/manual-clock.js';
import { call } from './http.js';

const sims: Simulator[] = [];
afterEach(async () => {
  while (sims.length) await sims.pop()?.close();
});

async function sim(opts: Parameters<typeof startSimulator>[0]): Promise<Simulator> {
  const s = await startSimulator(opts);
  sims.push(s);
  return s;
}

const json = { 'content-type': 'application/json' };

describe('the plain dialect: the middleware as its code stands today', () => {
  it('lists its routes in /openapi.json without auth, so pingops can pick the layout', async () => {
    const s = await sim({ dialect: 'plain', auth: 'key', logger: silentLogger });
    const a = await call(`${s.url}/openapi.json`);
    expect(a.status).toBe(200);
    expect(layoutFromOpenApi(a.json)).toBe('plain');
    expect(await call(`${s.url}/health`)).toMatchObject({ status: 200, json: { status: 'ok', service: 'WispHub Local API' } });
  });

  it('answers bare bodies: a client, a list, client_not_found, {task_id}, {status, message}', async () => {
    const clock = new ManualClock();
    const s = await sim({ dialect: 'plain', logger: silentLogger, clock, random: () => 0.5 });
    expect(await call(`${s.url}/api/clients/by-service-id/1001`)).toMatchObject({ status: 200, json: { service_id: 1001, name: 'Ana Morales' } });
    expect(await call(`${s.url}/api/clients/by-service-id/9999`)).toMatchObject({ status: 404, json: { detail: 'client_not_found' } });
    expect((await call(`${s.url}/api/clients/search?q=carlos%20perez`)).json).toEqual([expect.objectContaining({ service_id: 1006 }), expect.objectContaining({ service_id: 1007 })]);
    expect(((await call(`${s.url}/api/clients/`)).json as unknown[]).length).toBe(1000);
    // The documented routes are not there: FastAPI's generic 404.
    expect(await call(`${s.url}/api/v1/clients/by-service-id/1001`)).toMatchObject({ status: 404, json: { detail: 'Not Found' } });

    const created = await call(`${s.url}/api/1004/ping/`, { method: 'POST', headers: json, body: '{"pings":4}' });
    expect(created).toMatchObject({ status: 200, json: { task_id: expect.any(String) } });
    const task = (created.json as { task_id: string }).task_id;
    expect(await call(`${s.url}/api/ping/${task}/`)).toMatchObject({ status: 200, json: { status: 'pending' } });
    await clock.advance(60_000);
    expect(await call(`${s.url}/api/ping/${task}/`)).toMatchObject({ status: 400, json: { detail: 'MikroTik interface error.' } });

    expect(await call(`${s.url}/api/9999/ping/`, { method: 'POST', headers: json, body: '{"pings":4}' })).toMatchObject({
      status: 400,
      json: { detail: 'Ping failed. No se pudo obtener el task_id.' },
    });
  });

  it('refuses a missing or wrong key with 403 {"detail": "API Key inválida o ausente."}', async () => {
    const s = await sim({ dialect: 'plain', auth: 'key', logger: silentLogger });
    expect(await call(`${s.url}/api/clients/by-service-id/1001`)).toMatchObject({ status: 403, json: { detail: 'API Key inválida o ausente.' } });
    expect(await call(`${s.url}/api/clients/by-service-id/1001`, { headers: { 'x-api-key': s.credentials.apiKey ?? '' } })).toMatchObject({ status: 200 });
  });
});

describe('the v1 dialect lists the documented routes', () => {
  it('in /openapi.json', async () => {
    const s = await sim({ logger: silentLogger });
    expect(layoutFromOpenApi((await call(`${s.url}/openapi.json`)).json)).toBe('v1');
    expect(await call(`${s.url}/api/clients/by-service-id/1001`)).toMatchObject({ status: 404, json: { detail: 'Not Found' } });
  });
});

describe('the wisphub dialect: WispHub\'s own API', () => {
  const auth = (s: Simulator) => ({ authorization: `Api-Key ${s.credentials.apiKey ?? ''}` });

  it('wants Authorization: Api-Key', async () => {
    const s = await sim({ dialect: 'wisphub', auth: 'key', logger: silentLogger });
    expect(await call(`${s.url}/api/clientes/1001/`)).toMatchObject({ status: 403, json: { detail: 'Las credenciales de autenticación no se proveyeron.' } });
    expect(await call(`${s.url}/api/clientes/1001/`, { headers: { authorization: 'Api-Key wrong' } })).toMatchObject({ status: 403, json: { detail: 'Clave API inválida.' } });
    expect(await call(`${s.url}/api/clientes/1001/`, { headers: { 'x-api-key': s.credentials.apiKey ?? '' } })).toMatchObject({ status: 403 });
    expect(await call(`${s.url}/api/clientes/1001/`, { headers: auth(s) })).toMatchObject({ status: 200 });
  });

  it('serves clients in Spanish, pages with count/next/results, and a router with a general fault', async () => {
    const s = await sim({ dialect: 'wisphub', auth: 'key', logger: silentLogger });
    const one = await call(`${s.url}/api/clientes/1008/`, { headers: auth(s) });
    expect(one.json).toMatchObject({
      id_servicio: 1008,
      nombre: 'Diana Patiño',
      estado: 'Activo',
      zona: { id: 8 },
      router: { nombre: 'RB-8', falla_general: true, falla_general_descripcion: expect.stringContaining('Corte de fibra') },
      sectorial: { id: 81 },
    });
    expect((await call(`${s.url}/api/clientes/1003/`, { headers: auth(s) })).json).toMatchObject({ estado: 'Suspendido' });
    expect(await call(`${s.url}/api/clientes/9999/`, { headers: auth(s) })).toMatchObject({ status: 404, json: { detail: 'No encontrado.' } });
    const page = (await call(`${s.url}/api/clientes/?limit=2&offset=0`, { headers: auth(s) })).json as { count: number; next: string; results: { id_servicio: number }[] };
    expect(page.count).toBe(1000);
    expect(page.next).toMatch(/^http:\/\/.*offset=2$/);
    expect(page.results.map((c) => c.id_servicio)).toEqual([1000, 1001]);
  });

  it.each([
    [1001, 'stable'],
    [1002, 'intermittent'],
    [1003, 'no_internet'],
    [1004, 'failed'],
    [1007, 'stable'],
    [1008, 'antenna_only'],
  ] as const)('serves the packets of %i, which pingops reads as %s', async (id, verdict) => {
    const clock = new ManualClock();
    const s = await sim({ dialect: 'wisphub', auth: 'key', logger: silentLogger, clock });
    const created = await call(`${s.url}/api/clientes/${id}/ping/`, { method: 'POST', headers: { ...json, ...auth(s) }, body: '{"pings":5}' });
    expect(created).toMatchObject({ status: 202, json: { task_id: expect.any(String), status: 'PROCESS' } });
    const task = (created.json as { task_id: string }).task_id;
    await clock.advance(60_000);
    const polled = await call(`${s.url}/api/tasks/${task}/`, { headers: auth(s) });
    expect(readWispHubTask(200, polled.text, { intermittentLossPct: 20 })).toMatchObject({ kind: 'final', verdict });
    if (id === 1002) expect(polled.text).toMatch(/"status":"timeout"/);
    if (id === 1004) expect(polled.text).toContain('input does not match any value of interface');
  });

  it('an unknown task is PENDING, as Celery answers; a 1005 task never finishes', async () => {
    const clock = new ManualClock();
    const s = await sim({ dialect: 'wisphub', auth: 'key', logger: silentLogger, clock });
    expect((await call(`${s.url}/api/tasks/nope/`, { headers: auth(s) })).json).toEqual({ task: { status: 'PENDING', result: null } });
    const task = ((await call(`${s.url}/api/clientes/1005/ping/`, { method: 'POST', headers: { ...json, ...auth(s) }, body: '{"pings":4}' })).json as { task_id: string }).task_id;
    await clock.advance(3_600_000);
    expect((await call(`${s.url}/api/tasks/${task}/`, { headers: auth(s) })).json).toEqual({ task: { status: 'PROCESS', result: null } });
  });

  it('refuses a bad pings value with DRF\'s 400', async () => {
    const s = await sim({ dialect: 'wisphub', auth: 'key', logger: silentLogger });
    expect(await call(`${s.url}/api/clientes/1001/ping/`, { method: 'POST', headers: { ...json, ...auth(s) }, body: '{"pings":99}' })).toMatchObject({
      status: 400,
      json: { pings: [expect.any(String)] },
    });
  });
});
