import { describe, expect, it } from 'vitest';
import { inBudget } from '../../src/app/core.js';
import type { CallOptions, PingApi } from '../../src/core/ping-api.js';

/** A Ping API that only notes which budget each call was given. */
function recorder(): { api: PingApi; seen: { call: string; before: unknown }[] } {
  const seen: { call: string; before: unknown }[] = [];
  const note = (call: string, o?: CallOptions) => seen.push({ call, before: o?.beforeRequest });
  const api: PingApi = {
    createTask: async (_id, _p, o) => (note('createTask', o), { taskId: 't' }),
    getResult: async (_t, o) => (note('getResult', o), { kind: 'pending' as const, message: null }),
    clientByServiceId: async (_id, o) => (note('clientByServiceId', o), null),
    clientByDocument: async (_d, o) => (note('clientByDocument', o), null),
    clientByPhone: async (_p, o) => (note('clientByPhone', o), null),
    searchClients: async (_q, o) => (note('searchClients', o), []),
    health: async (o) => (note('health', o), true),
    listClients: async (o) => (note('listClients', o), []),
  };
  return { api, seen };
}

describe('inBudget: nothing reaches the Ping API outside the request budget', () => {
  const lookup = async () => {};
  const background = async () => {};

  it('gives every call without a budget one: look-ups with people, the probe and the client list last', async () => {
    const { api, seen } = recorder();
    const b = inBudget(api, { lookup, background });
    await b.createTask(1, 1);
    await b.getResult('t');
    await b.clientByServiceId(1001);
    await b.clientByDocument('1032');
    await b.clientByPhone('+57');
    await b.searchClients('ana');
    await b.health();
    await b.listClients?.();
    expect(seen.map((s) => [s.call, s.before === lookup ? 'lookup' : s.before === background ? 'background' : 'none'])).toEqual([
      ['createTask', 'lookup'],
      ['getResult', 'lookup'],
      ['clientByServiceId', 'lookup'],
      ['clientByDocument', 'lookup'],
      ['clientByPhone', 'lookup'],
      ['searchClients', 'lookup'],
      ['health', 'background'],
      ['listClients', 'background'],
    ]);
  });

  it("keeps a caller's own budget (a check's polls go first) and its other options", async () => {
    const { api, seen } = recorder();
    const own = async () => {};
    const signal = new AbortController().signal;
    await inBudget(api, { lookup, background }).getResult('t', { beforeRequest: own, signal });
    expect(seen[0]?.before).toBe(own);
  });

  it('has no client list where the provider has none', () => {
    const { api } = recorder();
    delete api.listClients;
    expect(inBudget(api, { lookup, background }).listClients).toBeUndefined();
  });
});
