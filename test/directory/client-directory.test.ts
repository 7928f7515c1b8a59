import { beforeEach, describe, expect, it } from 'vitest';
import type { ClientRecord } from '../../src/core/client.js';
import { PermanentError, TransientError } from '../../src/core/errors.js';
import type { TaskResult } from '../../src/core/verdict.js';
import { createDirectory, matchScore } from '../../src/directory/client-directory.js';
import { foldText } from '../../src/directory/target.js';
import type { ProviderCards, Directory, StoredCard } from '../../src/directory/types.js';
import type { CallOptions, PingApi } from '../../src/core/ping-api.js';
import { silentLogger } from '../../src/util/logger.js';
import { bareClient } from '../support/clients.js';
import { ManualClock, settle } from '../support/manual-clock.js';

type Method = 'clientByServiceId' | 'clientByDocument' | 'clientByPhone' | 'searchClients';

const client = bareClient;

/**
 * The look-up half of the Ping API in memory, counting calls. (The HTTP client is tested over
 * real HTTP elsewhere; here only the directory's own logic is under test.)
 */
class LookupApi implements PingApi {
  calls: { method: Method; arg: string; opts: CallOptions | undefined }[] = [];
  /** Throws this for the method until cleared. */
  failures = new Map<Method, Error>();
  /** Calls of these methods never answer unless their signal aborts. */
  hanging = new Set<Method>();
  private gate: Promise<void> | null = null;
  private openGate: () => void = () => {};

  constructor(public clients: ClientRecord[]) {}

  count(method: Method): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  /** Holds every answer until the returned function is called. */
  hold(): () => void {
    this.gate = new Promise<void>((r) => (this.openGate = r));
    return () => {
      this.gate = null;
      this.openGate();
    };
  }

  private async answer<T>(method: Method, arg: string, opts: CallOptions | undefined, value: () => T): Promise<T> {
    this.calls.push({ method, arg, opts });
    if (this.hanging.has(method)) {
      await new Promise<never>((_, reject) => opts?.signal?.addEventListener('abort', () => reject(opts.signal?.reason)));
    }
    if (this.gate) await this.gate;
    const failure = this.failures.get(method);
    if (failure) throw failure;
    return value();
  }

  createTask(): Promise<{ taskId: string }> {
    throw new Error('not used by the directory');
  }
  getResult(): Promise<TaskResult> {
    throw new Error('not used by the directory');
  }
  health(): Promise<boolean> {
    return Promise.resolve(true);
  }
  clientByServiceId(serviceId: number, opts?: CallOptions) {
    return this.answer('clientByServiceId', String(serviceId), opts, () => this.clients.find((c) => c.serviceId === serviceId) ?? null);
  }
  clientByDocument(document: string, opts?: CallOptions) {
    return this.answer('clientByDocument', document, opts, () => this.clients.find((c) => c.document === document) ?? null);
  }
  clientByPhone(phone: string, opts?: CallOptions) {
    return this.answer('clientByPhone', phone, opts, () => this.clients.find((c) => c.phone === phone) ?? null);
  }
  searchClients(query: string, opts?: CallOptions) {
    const q = foldText(query);
    return this.answer('searchClients', query, opts, () =>
      this.clients.filter((c) => foldText(c.name).includes(q) || foldText(c.address ?? '').includes(q)),
    );
  }
}

const ana = client(1001, 'Ana Morales', { phone: '+573104445566', document: '1032456789', address: 'Cra 12 #34-56' });
const anaMaria = client(1002, 'Ana María Ruiz', { phone: '+573115550000' });
const joseA = client(2001, 'José Pérez');
const joseB = client(2002, 'José Pérez Gómez');
const luis = client(3001, 'Luis Gómez', { address: 'Vereda El Roble' });

const MIN = 60_000;

let api: LookupApi;
let clock: ManualClock;
let dir: Directory;

beforeEach(() => {
  api = new LookupApi([ana, anaMaria, joseA, joseB, luis]);
  clock = new ManualClock();
  dir = createDirectory({ api, clock, logger: silentLogger });
});

describe('resolve: service id', () => {
  it('finds the client and caches the card for the TTL', async () => {
    expect(await dir.resolve({ kind: 'service_id', serviceId: 1001 })).toEqual({ kind: 'found', client: ana });
    expect(await dir.resolve({ kind: 'service_id', serviceId: 1001 })).toEqual({ kind: 'found', client: ana });
    expect(await dir.client(1001)).toEqual(ana);
    expect(api.count('clientByServiceId')).toBe(1);

    await clock.advance(5 * MIN - 1);
    await dir.resolve({ kind: 'service_id', serviceId: 1001 });
    expect(api.count('clientByServiceId')).toBe(1);

    await clock.advance(1);
    await dir.resolve({ kind: 'service_id', serviceId: 1001 });
    expect(api.count('clientByServiceId')).toBe(2);
  });

  it('honours a custom TTL', async () => {
    dir = createDirectory({ api, clock, logger: silentLogger, ttlMs: 1000 });
    await dir.client(1001);
    await clock.advance(1000);
    await dir.client(1001);
    expect(api.count('clientByServiceId')).toBe(2);
  });

  it('shares one request among concurrent look-ups of the same id', async () => {
    const release = api.hold();
    const results = Promise.all([
      dir.resolve({ kind: 'service_id', serviceId: 1001 }),
      dir.resolve({ kind: 'service_id', serviceId: 1001 }),
      dir.client(1001),
    ]);
    await settle();
    expect(api.count('clientByServiceId')).toBe(1);
    release();
    expect(await results).toEqual([
      { kind: 'found', client: ana },
      { kind: 'found', client: ana },
      ana,
    ]);
    expect(api.count('clientByServiceId')).toBe(1);
  });

  it('answers not_found and remembers it for 30 s', async () => {
    const target = { kind: 'service_id', serviceId: 9999 } as const;
    expect(await dir.resolve(target)).toEqual({ kind: 'not_found', target });
    await clock.advance(29_999);
    expect(await dir.resolve(target)).toEqual({ kind: 'not_found', target });
    expect(await dir.client(9999)).toBeNull();
    expect(api.count('clientByServiceId')).toBe(1);

    // The client was just created in WispHub: after the negative TTL it is found.
    api.clients.push(client(9999, 'Nueva Cliente'));
    await clock.advance(1);
    expect(await dir.resolve(target)).toMatchObject({ kind: 'found', client: { serviceId: 9999 } });
    expect(api.count('clientByServiceId')).toBe(2);
  });

  it('treats a 404 from the API as not found, cached briefly too', async () => {
    api.failures.set('clientByServiceId', new PermanentError('not_found', 'client_not_found', 404));
    const target = { kind: 'service_id', serviceId: 1001 } as const;
    expect(await dir.resolve(target)).toEqual({ kind: 'not_found', target });
    expect(await dir.resolve(target)).toEqual({ kind: 'not_found', target });
    expect(api.count('clientByServiceId')).toBe(1);
  });

  it('lets a check run unverified when the look-up is down, without caching the fault', async () => {
    api.failures.set('clientByServiceId', new TransientError('server', 'HTTP 502', 502));
    expect(await dir.resolve({ kind: 'service_id', serviceId: 1001 })).toEqual({
      kind: 'unverified',
      serviceId: 1001,
      fault: { kind: 'server', message: 'HTTP 502', status: 502 },
    });
    api.failures.clear();
    expect(await dir.resolve({ kind: 'service_id', serviceId: 1001 })).toEqual({ kind: 'found', client: ana });
    expect(api.count('clientByServiceId')).toBe(2);
  });

  it('is unavailable when the API rejects our credentials', async () => {
    api.failures.set('clientByServiceId', new PermanentError('auth', 'HTTP 401', 401));
    expect(await dir.resolve({ kind: 'service_id', serviceId: 1001 })).toEqual({
      kind: 'unavailable',
      fault: { kind: 'auth', message: 'HTTP 401', status: 401 },
    });
  });

  it('rejects when the caller aborts, without failing others sharing the request', async () => {
    const release = api.hold();
    const ctrl = new AbortController();
    const mine = dir.resolve({ kind: 'service_id', serviceId: 1001 }, { signal: ctrl.signal });
    const theirs = dir.resolve({ kind: 'service_id', serviceId: 1001 });
    const card = dir.client(1001, { signal: ctrl.signal });
    await settle();
    ctrl.abort(new Error('user left'));
    await expect(mine).rejects.toThrow('user left');
    expect(await card).toBeNull();
    release();
    expect(await theirs).toEqual({ kind: 'found', client: ana });
    expect(api.count('clientByServiceId')).toBe(1);
    // The shared answer still landed in the cache.
    expect(await dir.client(1001)).toEqual(ana);
    expect(api.count('clientByServiceId')).toBe(1);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const ctrl = new AbortController();
    ctrl.abort(new Error('gone'));
    await expect(dir.resolve({ kind: 'service_id', serviceId: 1001 }, { signal: ctrl.signal })).rejects.toThrow('gone');
    expect(api.calls).toHaveLength(0);
  });
});

describe('cards kept between processes', () => {
  /** The store's port in memory (the SQLite repository has its own tests). */
  const memoryCards = (): ProviderCards & { rows: Map<number, StoredCard> } => {
    const rows = new Map<number, StoredCard>();
    return { rows, get: async (id) => rows.get(id) ?? null, put: async (cards) => cards.forEach((c) => rows.set(c.record.serviceId, c)) };
  };

  it('lets the next process resolve an id without a look-up while the card is within its TTL', async () => {
    const cards = memoryCards();
    await createDirectory({ api, clock, logger: silentLogger, cards }).resolve({ kind: 'service_id', serviceId: 1001 });
    expect(api.count('clientByServiceId')).toBe(1);
    expect(cards.rows.get(1001)).toEqual({ record: ana, fetchedAt: clock.now() });

    await clock.advance(5 * MIN - 1);
    const next = createDirectory({ api, clock, logger: silentLogger, cards });
    expect(await next.resolve({ kind: 'service_id', serviceId: 1001 })).toEqual({ kind: 'found', client: ana });
    expect(api.count('clientByServiceId')).toBe(1);

    await clock.advance(1);
    const later = createDirectory({ api, clock, logger: silentLogger, cards });
    expect(await later.resolve({ kind: 'service_id', serviceId: 1001 })).toEqual({ kind: 'found', client: ana });
    expect(api.count('clientByServiceId')).toBe(2);
  });

  it('looks up as before when the stored cards cannot be read or written', async () => {
    const broken: ProviderCards = {
      get: () => {
        throw new Error('database is locked');
      },
      put: () => {
        throw new Error('database is locked');
      },
    };
    const d = createDirectory({ api, clock, logger: silentLogger, cards: broken });
    expect(await d.resolve({ kind: 'service_id', serviceId: 1001 })).toEqual({ kind: 'found', client: ana });
    expect(await d.resolve({ kind: 'service_id', serviceId: 1001 })).toEqual({ kind: 'found', client: ana });
    expect(api.count('clientByServiceId')).toBe(1);
  });
});

describe('resolve: phone, document, name', () => {
  it('finds by phone and caches the answer and the card', async () => {
    const target = { kind: 'phone', phone: '+573104445566' } as const;
    expect(await dir.resolve(target)).toEqual({ kind: 'found', client: ana });
    expect(await dir.resolve(target)).toEqual({ kind: 'found', client: ana });
    expect(api.count('clientByPhone')).toBe(1);
    expect(api.calls[0]?.arg).toBe('+573104445566');
    // The card is cached by service id: a later /ping 1001 asks nothing.
    expect(await dir.resolve({ kind: 'service_id', serviceId: 1001 })).toEqual({ kind: 'found', client: ana });
    expect(api.count('clientByServiceId')).toBe(0);
    await clock.advance(5 * MIN);
    await dir.resolve(target);
    expect(api.count('clientByPhone')).toBe(2);
  });

  it('finds by document, and says not found for an unknown one', async () => {
    expect(await dir.resolve({ kind: 'document', document: '1032456789' })).toEqual({ kind: 'found', client: ana });
    const unknown = { kind: 'document', document: '999' } as const;
    expect(await dir.resolve(unknown)).toEqual({ kind: 'not_found', target: unknown });
    expect(await dir.resolve(unknown)).toEqual({ kind: 'not_found', target: unknown });
    expect(api.count('clientByDocument')).toBe(2);
  });

  it.each([
    ['nobody', { kind: 'not_found' }],
    ['Luis', { kind: 'found', client: luis }],
    ['jose perez', { kind: 'found', client: joseA }],
    ['JOSÉ  PÉREZ', { kind: 'found', client: joseA }],
    ['José', { kind: 'ambiguous', matches: [joseA, joseB] }],
    ['Ana', { kind: 'ambiguous', matches: [ana, anaMaria] }],
  ] as const)('name %j', async (query, expected) => {
    const target = { kind: 'name', query } as const;
    const res = await dir.resolve(target);
    expect(res).toEqual(expected.kind === 'not_found' ? { kind: 'not_found', target } : expected);
  });

  it('keeps an ambiguous answer to 10 candidates', async () => {
    api.clients = Array.from({ length: 14 }, (_, i) => client(5000 + i, `Pedro ${String.fromCharCode(65 + i)}`));
    const res = await dir.resolve({ kind: 'name', query: 'Pedro' });
    expect(res.kind).toBe('ambiguous');
    if (res.kind === 'ambiguous') expect(res.matches.map((c) => c.serviceId)).toEqual(api.clients.slice(0, 10).map((c) => c.serviceId));
  });

  it('reuses a name search for a minute', async () => {
    await dir.resolve({ kind: 'name', query: 'Luis' });
    await clock.advance(59_999);
    await dir.resolve({ kind: 'name', query: 'luis' });
    expect(api.count('searchClients')).toBe(1);
    await clock.advance(1);
    await dir.resolve({ kind: 'name', query: 'Luis' });
    expect(api.count('searchClients')).toBe(2);
  });

  it.each([
    ['phone', { kind: 'phone', phone: '+573104445566' }, 'clientByPhone'],
    ['document', { kind: 'document', document: '1032456789' }, 'clientByDocument'],
    ['name', { kind: 'name', query: 'Ana' }, 'searchClients'],
  ] as const)('is unavailable when the %s look-up is down, and asks again next time', async (_l, target, method) => {
    api.failures.set(method, new TransientError('network', 'ECONNREFUSED'));
    expect(await dir.resolve(target)).toEqual({ kind: 'unavailable', fault: { kind: 'network', message: 'ECONNREFUSED', status: null } });
    api.failures.clear();
    expect((await dir.resolve(target)).kind).not.toBe('unavailable');
    expect(api.count(method)).toBe(2);
  });
});

describe('client()', () => {
  it('never throws: null for unknown, for a fault, and for an unexpected error', async () => {
    expect(await dir.client(4242)).toBeNull();
    api.failures.set('clientByServiceId', new TransientError('timeout', 'timed out'));
    expect(await dir.client(1001)).toBeNull();
    api.failures.set('clientByServiceId', new TypeError('bug'));
    expect(await dir.client(1001)).toBeNull();
  });

  it('refetches a stale card', async () => {
    expect(await dir.client(1001)).toEqual(ana);
    const moved = { ...ana, address: 'Calle 1' };
    api.clients = [moved];
    await clock.advance(5 * MIN);
    expect(await dir.client(1001)).toEqual(moved);
  });
});

describe('suggest', () => {
  it('answers an empty query with the most recently used clients', async () => {
    expect(await dir.suggest('')).toEqual([]);
    await dir.resolve({ kind: 'service_id', serviceId: 1001 });
    await dir.resolve({ kind: 'service_id', serviceId: 3001 });
    await dir.client(2001);
    await dir.resolve({ kind: 'service_id', serviceId: 1001 });
    // Only seen in a search, never used: not "recent".
    await dir.resolve({ kind: 'name', query: 'Ana María' });
    const callsBefore = api.calls.length;
    expect((await dir.suggest('  ')).map((c) => c.serviceId)).toEqual([1002, 1001, 2001, 3001]);
    expect((await dir.suggest('', { limit: 2 })).map((c) => c.serviceId)).toEqual([1002, 1001]);
    expect(api.calls.length).toBe(callsBefore);
  });

  it('merges cached and API matches, once each, with single-attempt calls', async () => {
    await dir.client(1001);
    const out = await dir.suggest('ana');
    expect(out.map((c) => c.serviceId)).toEqual([1001, 1002]);
    const search = api.calls.find((c) => c.method === 'searchClients');
    expect(search?.arg).toBe('ana');
    expect(search?.opts).toMatchObject({ retries: 0, timeoutMs: 1500 });
  });

  it('also looks a numeric query up as a service id', async () => {
    const out = await dir.suggest('3001', { timeoutMs: 500 });
    expect(out).toEqual([luis]);
    expect(api.count('clientByServiceId')).toBe(1);
    expect(api.calls.find((c) => c.method === 'clientByServiceId')?.opts).toMatchObject({ retries: 0, timeoutMs: 500 });
  });

  it('ranks exact id, then prefixes, then words, then substrings, then what only the API matched', async () => {
    api.clients = [
      client(7, 'Vereda Gómez'), // a name word is the query
      client(8, 'Zulma Torres', { address: 'Barrio Gomez' }), // only the API matches it (by address)
      client(9, 'Ramírez Gomezano'), // a name word starts with the query
      client(10, 'Gómez Díaz'), // the name starts with the query
      client(11, 'Algomez'), // substring only
    ];
    expect((await dir.suggest('gomez')).map((c) => c.serviceId)).toEqual([10, 7, 9, 11, 8]);
  });

  it('ranks recently used clients first among equals', async () => {
    api.clients = [client(20, 'Marta Uno'), client(21, 'Marta Dos'), client(22, 'Marta Tres')];
    await dir.client(22);
    await dir.client(21);
    expect((await dir.suggest('marta')).map((c) => c.serviceId)).toEqual([21, 22, 20]);
  });

  it('honours the limit', async () => {
    api.clients = Array.from({ length: 40 }, (_, i) => client(100 + i, `Carlos ${i}`));
    expect(await dir.suggest('carlos')).toHaveLength(25);
    expect(await dir.suggest('carlos', { limit: 3 })).toHaveLength(3);
    expect(await dir.suggest('carlos', { limit: 0 })).toEqual([]);
  });

  it('answers from the cache when the API fails', async () => {
    await dir.client(1001);
    await dir.client(3001);
    api.failures.set('searchClients', new TransientError('server', 'HTTP 500', 500));
    api.failures.set('clientByServiceId', new PermanentError('auth', 'HTTP 401', 401));
    expect(await dir.suggest('ana')).toEqual([ana]);
    expect(await dir.suggest('310444')).toEqual([ana]); // by phone digits
    expect(await dir.suggest('1032456')).toEqual([ana]); // by document
    expect(await dir.suggest('300')).toEqual([luis]); // by id prefix
    expect(await dir.suggest('nadie')).toEqual([]);
  });

  it('does not wait for a search that never answers beyond its timeout', async () => {
    await dir.client(1001);
    api.hanging.add('searchClients');
    let settled: unknown = undefined;
    const pending = dir.suggest('ana', { timeoutMs: 1500 }).then((r) => (settled = r));
    await clock.advance(1499);
    expect(settled).toBeUndefined();
    await clock.advance(1);
    await pending;
    expect(settled).toEqual([ana]);
    expect(clock.pending).toBe(0);
    // The stuck request was abandoned: the next keystroke asks again instead of joining it.
    api.hanging.clear();
    expect(await dir.suggest('ana', { timeoutMs: 1500 })).toEqual([ana, anaMaria]);
    expect(api.count('searchClients')).toBe(2);
  });

  it('caches search answers for about a minute', async () => {
    await dir.suggest('luis');
    await dir.suggest('Luis');
    expect(api.count('searchClients')).toBe(1);
    await clock.advance(60_000);
    await dir.suggest('luis');
    expect(api.count('searchClients')).toBe(2);
  });

  it('does not reuse a fast suggest flight for a resolve', async () => {
    const release = api.hold();
    const s = dir.suggest('Luis', { timeoutMs: 10 });
    const r = dir.resolve({ kind: 'name', query: 'Luis' });
    await settle();
    expect(api.calls.filter((c) => c.method === 'searchClients').map((c) => c.opts?.retries)).toEqual([0, undefined]);
    await clock.advance(10);
    release();
    expect(await s).toEqual([]);
    expect(await r).toEqual({ kind: 'found', client: luis });
  });
});

describe('matchScore', () => {
  const c = client(1234, 'José Pérez', { phone: '+57 310 444 5566', document: '1.032.456.789' });
  it.each([
    ['1234', 0],
    ['12', 1],
    ['jose', 1],
    ['JOSÉ PÉ', 1],
    ['perez', 2],
    ['4445', 2],
    ['1032456', 2],
    ['sé pé', 3],
    ['pe jo', 3],
    ['34', null],
    ['maria', null],
    ['', null],
  ] as const)('%j scores %s', (q, score) => {
    expect(matchScore(c, q)).toBe(score);
  });
});

describe('look-up deadline and identity (issue 8)', () => {
  it('a hanging look-up ends at PING_LOOKUP_TIMEOUT_MS: a bare id is checked without its card, a name is unavailable', async () => {
    dir = createDirectory({ api, clock, logger: silentLogger, lookupTimeoutMs: 5000 });
    api.hanging.add('clientByServiceId');
    api.hanging.add('searchClients');
    const byId = dir.resolve({ kind: 'service_id', serviceId: 1001 });
    const byName = dir.resolve({ kind: 'name', query: 'Ana' });
    let settled = 0;
    void byId.then(() => settled++);
    void byName.then(() => settled++);
    await clock.advance(4999);
    expect(settled).toBe(0);
    await clock.advance(1);
    expect(await byId).toMatchObject({ kind: 'unverified', serviceId: 1001, fault: { kind: 'timeout' } });
    expect(await byName).toMatchObject({ kind: 'unavailable', fault: { kind: 'timeout' } });
  });

  it('refuses a look-up that answers another service id than the one typed', async () => {
    api.clients = [{ ...ana, serviceId: 1002 }];
    const lying: LookupApi = api;
    lying.clientByServiceId = (serviceId: number, opts?: CallOptions) =>
      lying['answer']('clientByServiceId', String(serviceId), opts, () => lying.clients[0] ?? null);
    expect(await dir.resolve({ kind: 'service_id', serviceId: 1001 })).toEqual({ kind: 'mismatch', serviceId: 1001, answered: 1002 });
    expect(await dir.client(1001)).toBeNull();
  });
});
