import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/server.js';
import { silentLogger } from '../../src/util/logger.js';
import { ManualClock } from '../support/manual-clock.js';
import { call } from './http.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', name), 'utf8'));

interface Listed {
  ok: boolean;
  action: string;
  data: { service_id: number; name: string }[];
}

let sim: Simulator;
// A day in November 2026: 1001's next cut-off is then the fixture's 2026-12-15.
const clock = new ManualClock(Date.parse('2026-11-28T15:00:00Z'));

beforeAll(async () => {
  sim = await startSimulator({ logger: silentLogger, clock, shape: 'status' });
});
afterAll(async () => {
  await sim.close();
});

const get = (path: string) => call(`${sim.url}/api/v1/clients/${path}`);
const search = async (q: string) => (await get(`search?q=${encodeURIComponent(q)}`)).json as Listed;

describe('client look-ups over HTTP', () => {
  it('by service id: 1001 is exactly the fixture', async () => {
    const a = await get('by-service-id/1001');
    expect(a.status).toBe(200);
    expect(a.json).toEqual(fixture('api-client-found.json'));
  });

  it('unknown client: 404 with the documented body', async () => {
    for (const path of ['by-service-id/9999', 'by-service-id/999', 'by-document/1', 'by-phone/+570000000000']) {
      const a = await get(path);
      expect(a.status, path).toBe(404);
      expect(a.json, path).toEqual(fixture('api-client-not-found.json'));
    }
  });

  it('a non-integer service id is a 422', async () => {
    const a = await get('by-service-id/client-1001');
    expect(a.status).toBe(422);
    expect(a.json).toMatchObject({ detail: [{ type: 'int_parsing', loc: ['path', 'service_id'], input: 'client-1001' }] });
  });

  it.each(['+573104445566', '%2B573104445566', '573104445566', '3104445566'])('by phone %s', async (phone) => {
    const a = await get(`by-phone/${phone}`);
    expect(a.status).toBe(200);
    expect(a.json).toMatchObject({ ok: true, action: 'client_found', data: { service_id: 1001, name: 'Ana Morales' } });
  });

  it('by document', async () => {
    const a = await get('by-document/1032456789');
    expect(a.json).toMatchObject({ ok: true, type: 'success', action: 'client_found', data: { service_id: 1001 } });
  });

  it('every look-up carries all 16 fields', async () => {
    const data = ((await get('by-service-id/1777')).json as { data: Record<string, unknown> }).data;
    expect(Object.keys(data).sort()).toEqual(
      ['service_id', 'name', 'document', 'phone', 'address', 'city', 'locality', 'payment_status', 'zone_id', 'antenna_ip',
        'cut_off_date', 'outstanding_balance', 'lan_interface', 'internet_plan_name', 'internet_plan_price', 'technician_id'].sort(),
    );
    const byDoc = (await get(`by-document/${String(data.document)}`)).json as { data: unknown };
    const byPhone = (await get(`by-phone/${encodeURIComponent(String(data.phone))}`)).json as { data: unknown };
    expect(byDoc.data).toEqual(data);
    expect(byPhone.data).toEqual(data);
  });

  it('1003 is on a billing hold: suspended, cut-off passed, money owed', async () => {
    const data = ((await get('by-service-id/1003')).json as { data: Record<string, unknown> }).data;
    expect(data.payment_status).toBe('suspended');
    expect(String(data.cut_off_date) < '2026-11-28').toBe(true);
    expect(Number(data.outstanding_balance)).toBeGreaterThan(0);
  });
});

describe('search over HTTP', () => {
  it('lists clients with the clients_listed envelope', async () => {
    const body = await search('ana morales');
    expect(body).toEqual({ ok: true, type: 'success', action: 'clients_listed', data: [expect.objectContaining({ service_id: 1001 })], message: null });
  });

  it.each(['José Peña', 'jose pena', 'JOSE PEÑA', 'peña'])('ignores case and accents: %s', async (q) => {
    expect((await search(q)).data.map((c) => c.service_id)).toContain(1009);
  });

  it('is ambiguous for a shared name', async () => {
    const ids = (await search('Carlos Perez')).data.map((c) => c.service_id);
    expect(ids).toEqual(expect.arrayContaining([1006, 1007]));
  });

  it('caps at 25 and answers an empty list when nothing matches', async () => {
    expect((await search('Cl ')).data).toHaveLength(25);
    expect(await search('no such client at all')).toMatchObject({ ok: true, action: 'clients_listed', data: [] });
  });

  it('finds by phone digits, document and service id', async () => {
    expect((await search('3104445566')).data[0]?.service_id).toBe(1001);
    expect((await search('+573104445566')).data[0]?.service_id).toBe(1001);
    expect((await search('1032456789')).data.map((c) => c.service_id)).toEqual([1001]);
    expect((await search('1013')).data.map((c) => c.service_id)).toContain(1013);
  });

  it('wants q', async () => {
    const a = await get('search');
    expect(a.status).toBe(422);
    expect(a.json).toMatchObject({ detail: [{ type: 'missing', loc: ['query', 'q'] }] });
  });
});

describe('hostile client text', () => {
  it('is served verbatim, unescaped: escaping is the chat layer’s job', async () => {
    const a = await get('by-service-id/1013');
    expect(a.text).toContain('"name":"*Pedro* Gómez <!channel> @everyone"');
    expect(a.text).toContain('"address":"Cl 9 #9-99 <http://evil.example|click here> @here discord.gg/x"');
    const found = await search('<!channel>');
    expect(found.data.map((c) => c.service_id)).toEqual([1013]);
  });
});

describe('determinism', () => {
  it('two simulators serve the same client for the same id', async () => {
    const other = await startSimulator({ logger: silentLogger, clock });
    try {
      for (const id of [1000, 1234, 1500, 1999]) {
        const mine = await get(`by-service-id/${id}`);
        const theirs = await call(`${other.url}/api/v1/clients/by-service-id/${id}`);
        expect(theirs.text).toBe(mine.text);
      }
    } finally {
      await other.close();
    }
  });
});
