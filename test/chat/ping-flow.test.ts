import { describe, expect, it } from 'vitest';
import { prepareCheck, type Prepared } from '../../src/chat/ping-flow.js';
import type { Directory, Resolution } from '../../src/directory/types.js';
import { ANA_MORALES, bareClient } from '../support/clients.js';

/** A directory that answers every resolve with one fixed resolution, and counts the calls. */
function directory(resolution: Resolution) {
  const calls: unknown[] = [];
  const d: Directory = {
    resolve: async (target) => {
      calls.push(target);
      return resolution;
    },
    client: async () => null,
    suggest: async () => [],
  };
  return { d, calls };
}

const network = { kind: 'network' as const, message: 'down', status: null };

describe('prepareCheck', () => {
  it.each<[string, string, Resolution, Partial<Prepared> & { message?: string }]>([
    ['a known client', '1001 6', { kind: 'found', client: ANA_MORALES }, { ok: true, serviceId: 1001, client: ANA_MORALES, packets: 6 }],
    ['a bare id while look-ups are down', '1001', { kind: 'unverified', serviceId: 1001, fault: network }, { ok: true, serviceId: 1001, client: null, packets: null }],
    ['an unknown client', '9999', { kind: 'not_found', target: { kind: 'service_id', serviceId: 9999 } }, { ok: false, reason: 'not_found', message: 'Client 9999 not found.' }],
    ['several matches', 'Carlos', { kind: 'ambiguous', matches: [bareClient(1006, 'Carlos Pérez'), bareClient(1007, 'Carlos Pérez')] }, { ok: false, reason: 'ambiguous' }],
    ['look-ups down for a name', 'Ana', { kind: 'unavailable', fault: network }, { ok: false, reason: 'unavailable', message: expect.stringContaining('unavailable') as unknown as string }],
    ['credentials refused', '1001', { kind: 'unavailable', fault: { kind: 'auth', message: 'refused', status: 403 } }, { ok: false, reason: 'auth', message: expect.stringContaining('PING_API_KEY') as unknown as string }],
  ])('%s', async (_case, text, resolution, expected) => {
    const { d } = directory(resolution);
    expect(await prepareCheck(text, { directory: d }, 'en')).toMatchObject(expected);
  });

  it.each([
    ['help', 'help'],
    ['', 'invalid'],
    ['1001; rm -rf /', 'invalid'],
    ['1001 99', 'invalid'],
  ])('answers %j without asking the directory (%s)', async (text, reason) => {
    const { d, calls } = directory({ kind: 'found', client: ANA_MORALES });
    expect(await prepareCheck(text, { directory: d }, 'en')).toMatchObject({ ok: false, reason });
    expect(calls).toEqual([]);
  });
});
