import { afterEach, describe, expect, it } from 'vitest';
import type { ClientRecord } from '../../src/core/client.js';
import { providerInventory } from '../../src/noc/inventory.js';
import { createPingApi } from '../../src/pingapi/http-client.js';
import { createWispHubApi } from '../../src/pingapi/wisphub/wisphub-client.js';
import { startSimulator } from '../../src/sim/server.js';
import { silentLogger } from '../../src/util/logger.js';
import { Secret } from '../../src/util/secret.js';
import { bareClient } from '../support/clients.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()?.();
});

const watchedOnly = { list: async (): Promise<ClientRecord[]> => [bareClient(1006, 'Watched One')] };

describe("the NOC's client list from the provider", () => {
  it('reads every client from the middleware of today (GET /api/clients/)', async () => {
    const sim = await startSimulator({ dialect: 'plain', auth: 'key', logger: silentLogger });
    cleanup.push(() => sim.close());
    const api = createPingApi({ baseUrl: sim.url, auth: { kind: 'key', header: 'X-API-Key', key: new Secret(sim.credentials.apiKey ?? '') }, timeoutMs: 2000, logger: silentLogger, layout: 'auto' });

    const clients = await providerInventory(api, watchedOnly).list();

    expect(clients.length).toBe(1000);
    expect(clients.find((c) => c.serviceId === 1001)).toMatchObject({ name: 'Ana Morales' });
  });

  it('falls back to the clients watched one by one on the documented v1 middleware, which has no list', async () => {
    const sim = await startSimulator({ dialect: 'v1', logger: silentLogger });
    cleanup.push(() => sim.close());
    const api = createPingApi({ baseUrl: sim.url, auth: { kind: 'none' }, timeoutMs: 2000, logger: silentLogger, layout: 'auto' });

    expect(await api.listClients?.()).toBeNull();
    expect((await providerInventory(api, watchedOnly).list()).map((c) => c.serviceId)).toEqual([1006]);
  });

  it("reads WispHub's paged list, with each client's router and its general-fault flag", async () => {
    const sim = await startSimulator({ dialect: 'wisphub', auth: 'key', logger: silentLogger });
    cleanup.push(() => sim.close());
    const api = createWispHubApi({ baseUrl: sim.url, key: new Secret(sim.credentials.apiKey ?? ''), timeoutMs: 2000, logger: silentLogger, intermittentLossPct: 20, clientsTtlMs: 60_000 });

    const clients = await providerInventory(api, watchedOnly).list();

    expect(clients.length).toBeGreaterThan(100);
    expect(clients.every((c) => c.router !== null)).toBe(true);
    expect(clients.find((c) => c.serviceId === 1001)?.router).toMatchObject({ name: expect.stringMatching(/^RB-/) });
  });
});
