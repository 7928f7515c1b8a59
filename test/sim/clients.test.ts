import { describe, expect, it, vi } from 'vitest';
import {
  deviceMac,
  findClientByDocument,
  findClientByPhone,
  foldText,
  probeTargetFor,
  searchSimClients,
  simClient,
  simDate,
  type WireClient,
} from '../../src/sim/clients.js';
import { scenarioFor, serviceExists, type Outcome } from '../../src/sim/scenarios.js';

const TODAY = '2026-11-28';
const ids = Array.from({ length: 1000 }, (_, i) => 1000 + i);
const all = (today = TODAY) => ids.map((id) => simClient(id, today) as WireClient);

describe('scenarios', () => {
  it.each<[number, Outcome]>([
    [1001, 'stable'],
    [1002, 'intermittent'],
    [1003, 'no_internet'],
    [1004, 'failed'],
    [1005, 'never'],
    [1008, 'antenna_only'],
    [1013, 'stable'],
  ])('service %i is %s', (id, outcome) => {
    expect(scenarioFor(id)?.outcome).toBe(outcome);
  });

  it('1004 fails with router errors, not a crashed task', () => {
    expect(scenarioFor(1004)).toEqual({ outcome: 'failed', failure: 'router_error' });
  });

  it.each([999, 2000, 9999, 0, -1, 1001.5, Number.NaN])('service %s does not exist', (id) => {
    expect(serviceExists(id)).toBe(false);
    expect(scenarioFor(id)).toBeNull();
    expect(simClient(id, TODAY)).toBeNull();
  });

  it('derived ids are mostly stable, with every other outcome present, and only 1005 hangs', () => {
    const counts = new Map<Outcome, number>();
    for (const id of ids) {
      const o = scenarioFor(id)?.outcome;
      if (o) counts.set(o, (counts.get(o) ?? 0) + 1);
    }
    expect(counts.get('stable') ?? 0).toBeGreaterThan(600);
    for (const o of ['intermittent', 'no_internet', 'antenna_only', 'failed'] as const) {
      expect(counts.get(o) ?? 0, o).toBeGreaterThanOrEqual(20);
      expect(counts.get(o) ?? 0, o).toBeLessThan(200);
    }
    expect(counts.get('never')).toBe(1);
  });
});

describe('client records', () => {
  it('1001 is the fixture client', async () => {
    const fixture = (await import('../fixtures/api-client-found.json', { with: { type: 'json' } })).default;
    expect(simClient(1001, TODAY)).toEqual(fixture.data);
  });

  it('every client is plausible', () => {
    const plans: Record<string, number> = { 'Hogar 20M': 45000, 'Hogar 50M': 65000, 'Empresarial 100M': 150000 };
    for (const c of all()) {
      if (c.service_id === 1013) continue;
      expect(c.name).toMatch(/^\p{Lu}\p{Ll}+( \p{Lu}\p{Ll}+){1,3}$/u);
      expect(c.address).toMatch(/^(Cra|Cl|Tv|Dg) \d{1,2} #\d{1,2}-\d{2}$/);
      expect(['Tunja', 'Duitama', 'Sogamoso', 'Paipa']).toContain(c.city);
      expect(c.zone_id).toBeGreaterThanOrEqual(1);
      expect(c.zone_id).toBeLessThanOrEqual(9);
      expect(c.antenna_ip).toMatch(/^10\.20\.\d{1,3}\.\d{1,3}$/);
      expect(c.phone).toMatch(/^\+573\d{9}$/);
      expect(c.document).toMatch(/^\d{10}$/);
      expect(c.cut_off_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(plans[c.internet_plan_name]).toBe(c.internet_plan_price);
      expect(c.lan_interface).toMatch(/^ether\d$/);
      expect(c.technician_id).toBeGreaterThanOrEqual(1);
      expect(c.outstanding_balance).toBeGreaterThanOrEqual(0);
    }
  });

  it('documents, phones and device IPs are unique, so look-ups are unambiguous', () => {
    const clients = all();
    for (const field of ['document', 'phone', 'antenna_ip'] as const) {
      expect(new Set(clients.map((c) => c[field])).size, field).toBe(clients.length);
    }
  });

  it('an active client is cut off on its next billing day; a suspended one after its last, with a debt', () => {
    for (const c of all()) {
      if (c.payment_status === 'active') expect(c.cut_off_date > TODAY, String(c.service_id)).toBe(true);
      else {
        expect(c.cut_off_date < TODAY, String(c.service_id)).toBe(true);
        expect(c.outstanding_balance).toBeGreaterThan(0);
      }
    }
    expect(simClient(1003, TODAY)).toMatchObject({ payment_status: 'suspended', cut_off_date: '2026-11-05', outstanding_balance: 90000 });
    expect(simClient(1003, '2026-11-05')?.cut_off_date).toBe('2026-10-05');
    expect(simClient(1001, '2026-12-15')?.cut_off_date).toBe('2027-01-15');
    expect(simClient(1001, '2026-12-14')?.cut_off_date).toBe('2026-12-15');
  });

  it('some lines are suspended for non-payment besides 1003, all of them no-internet lines', () => {
    const suspended = all().filter((c) => c.payment_status === 'suspended');
    expect(suspended.length).toBeGreaterThan(5);
    for (const c of suspended) expect(scenarioFor(c.service_id)?.outcome).toBe('no_internet');
  });

  it('1013 carries chat-injection text verbatim', () => {
    const c = simClient(1013, TODAY);
    for (const bad of ['<!channel>', '@everyone', '*Pedro*']) expect(c?.name).toContain(bad);
    for (const bad of ['<http://evil.example|click here>', '@here', 'discord.gg/x']) expect(c?.address).toContain(bad);
  });

  it('is deterministic: a fresh module instance builds the same clients and scenarios', async () => {
    vi.resetModules();
    const fresh = await import('../../src/sim/clients.js');
    const freshScenarios = await import('../../src/sim/scenarios.js');
    expect(ids.map((id) => fresh.simClient(id, TODAY))).toEqual(all());
    expect(ids.map((id) => freshScenarios.scenarioFor(id))).toEqual(ids.map((id) => scenarioFor(id)));
  });

  it('simDate is the date in Colombia (UTC-5)', () => {
    expect(simDate(Date.parse('2026-11-29T04:59:00Z'))).toBe('2026-11-28');
    expect(simDate(Date.parse('2026-11-29T05:00:00Z'))).toBe('2026-11-29');
  });
});

describe('look-ups', () => {
  it.each(['+573104445566', '573104445566', '3104445566', '+57 310 444 5566', '310-444-5566'])('phone %s is 1001', (phone) => {
    expect(findClientByPhone(phone, TODAY)?.service_id).toBe(1001);
  });

  it.each(['', '+', '4445566', '+573000000000'])('phone %j is nobody', (phone) => {
    expect(findClientByPhone(phone, TODAY)).toBeNull();
  });

  it.each(['1032456789', '1.032.456.789', ' 1032456789 '])('document %j is 1001', (doc) => {
    expect(findClientByDocument(doc, TODAY)?.service_id).toBe(1001);
  });

  it.each(['', '103245678', '10324567890', 'abc'])('document %j is nobody', (doc) => {
    expect(findClientByDocument(doc, TODAY)).toBeNull();
  });

  it('search folds case and accents', () => {
    expect(foldText('  JOSÉ   Peña ')).toBe('jose pena');
    expect(searchSimClients('ana morales', TODAY).map((c) => c.service_id)).toEqual([1001]);
    expect(searchSimClients('JOSE PENA', TODAY).map((c) => c.service_id)).toContain(1009);
    expect(searchSimClients('lucia martinez', TODAY).map((c) => c.service_id)).toContain(1010);
  });

  it('a name shared by two clients is ambiguous', () => {
    const found = searchSimClients('Carlos Pérez', TODAY);
    expect(found.map((c) => c.service_id)).toEqual(expect.arrayContaining([1006, 1007]));
    for (const c of found) expect(foldText(c.name)).toContain('carlos perez');
  });

  it('matches phone, document, address and service id too, at most 25, in id order', () => {
    expect(searchSimClients('3104445566', TODAY)[0]?.service_id).toBe(1001);
    expect(searchSimClients('1032456789', TODAY).map((c) => c.service_id)).toEqual([1001]);
    expect(searchSimClients('1013', TODAY).map((c) => c.service_id)).toContain(1013);
    const many = searchSimClients('cra', TODAY);
    expect(many).toHaveLength(25);
    expect(many.map((c) => c.service_id)).toEqual([...many.map((c) => c.service_id)].sort((a, b) => a - b));
    expect(searchSimClients('cra', TODAY, 3)).toHaveLength(3);
  });

  it('blank or unmatched queries find nothing', () => {
    expect(searchSimClients('   ', TODAY)).toEqual([]);
    expect(searchSimClients('zzzz-no-such', TODAY)).toEqual([]);
    // A query never spans two fields.
    expect(searchSimClients('morales cra', TODAY)).toEqual([]);
  });
});

describe('probe targets', () => {
  it('pings the device by IP or MAC and the zone antenna by its public IP', () => {
    const c = simClient(1001, TODAY) as WireClient;
    expect(probeTargetFor(c, 'ip')).toEqual({ customerHost: '10.20.0.4', antennaHost: '190.14.24.9', lanInterface: 'ether2' });
    expect(probeTargetFor(c, 'mac').customerHost).toMatch(/^A4:5E:60(:[0-9A-F]{2}){3}$/);
    expect(deviceMac(1001)).toBe(deviceMac(1001));
    expect(deviceMac(1001)).not.toBe(deviceMac(1002));
  });
});
