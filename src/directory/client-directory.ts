import type { ClientRecord } from '../core/client.js';
import { PermanentError, TransientError, toFault, type Fault } from '../core/errors.js';
import type { PingApi } from '../core/ping-api.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { foldText, SERVICE_ID_MAX, targetKey } from './target.js';
import type { ProviderCards, Directory, Resolution, Target } from './types.js';
import { raceAbort, NO_LONGER_NEEDED } from '../util/abort.js';

/** What the directory needs. */
export interface DirectoryOptions {
  api: PingApi;
  clock: Clock;
  logger: Logger;
  /** How long a client card is trusted (default 5 min). */
  ttlMs?: number;
  /** How long "no such client" is remembered (default 30 s): long enough to absorb retyping, short enough for a new client. */
  negativeTtlMs?: number;
  /** How long a name search answer is reused (default 60 s). */
  searchTtlMs?: number;
  /** Most client cards kept; the least recently fetched go first (default 5000). */
  maxEntries?: number;
  /**
   * How long one resolve waits for the look-up (PING_LOOKUP_TIMEOUT_MS, default 5 s). Past it
   * a bare service id is checked without its card, anything else is "unavailable"; the shared
   * look-up itself runs on and fills the cache for the next person.
   */
  lookupTimeoutMs?: number;
  /**
   * Cards kept between processes: read when memory has none (still bound by `ttlMs`), written
   * on every fetch; the provider's own (app/ binds the port to the provider's identity).
   */
  cards?: ProviderCards;
}

/** How many candidates an ambiguous name resolution carries. */
export const AMBIGUOUS_MAX = 10;

/** How long a client card is trusted by default, in memory and in the store. */
export const DEFAULT_TTL_MS = 5 * 60_000;
const DEFAULT_NEGATIVE_TTL_MS = 30_000;
const DEFAULT_SEARCH_TTL_MS = 60_000;
const DEFAULT_MAX_ENTRIES = 5000;
const DEFAULT_SUGGEST_LIMIT = 25;
const DEFAULT_SUGGEST_TIMEOUT_MS = 1500;
const DEFAULT_LOOKUP_TIMEOUT_MS = 5000;
/** A query this short matches too much of a phone or document to be useful. */
const MIN_DIGITS_FOR_NUMBER_MATCH = 3;

interface Entry {
  record: ClientRecord;
  fetchedAt: number;
  /** Order of the last time someone used this card (0: only seen in a search). */
  usedSeq: number;
}

interface KeyEntry {
  serviceIds: number[];
  expiresAt: number;
}

/** Which request pool a look-up joins: autocomplete's single-attempt calls never serve a resolve. */
type Flight = 'full' | 'fast';

/** Is this fault "the API says there is no such client"? */
function isNotFound(err: unknown): boolean {
  return err instanceof PermanentError && err.kind === 'not_found';
}

function digitsOf(text: string): string {
  return text.replace(/\D/gu, '');
}


/**
 * How well a client matches an autocomplete query (lower is better), or null for no match:
 * 0 exact service id, 1 name or id starts with the query, 2 a name word starts with it or a
 * phone/document contains it, 3 the name contains it or every query word starts a name word.
 */
export function matchScore(client: ClientRecord, query: string): number | null {
  const q = foldText(query);
  if (q === '') return null;
  const id = String(client.serviceId);
  const qDigits = /^[\d\s+().-]+$/u.test(q) ? digitsOf(q) : '';
  if (qDigits !== '' && id === qDigits) return 0;
  const name = foldText(client.name);
  if (name.startsWith(q) || (qDigits !== '' && id.startsWith(qDigits))) return 1;
  const nameWords = name.split(/[\s.'’-]+/u).filter((w) => w !== '');
  if (nameWords.some((w) => w.startsWith(q))) return 2;
  if (qDigits.length >= MIN_DIGITS_FOR_NUMBER_MATCH) {
    if (client.phone && digitsOf(client.phone).includes(qDigits)) return 2;
    if (client.document && digitsOf(client.document).includes(qDigits)) return 2;
  }
  const qCompact = q.replace(/[.\s]/gu, '');
  if (qCompact.length >= MIN_DIGITS_FOR_NUMBER_MATCH && client.document && foldText(client.document).replace(/[.\s]/gu, '').includes(qCompact)) {
    return 2;
  }
  if (name.includes(q)) return 3;
  const qWords = q.split(' ');
  if (qWords.length > 1 && qWords.every((qw) => nameWords.some((w) => w.startsWith(qw)))) return 3;
  return null;
}

/**
 * The client directory: turns targets into clients through the Ping API's look-ups, with a
 * card cache (by service id, on the injected clock), single-flight look-ups, brief negative
 * caching, and an autocomplete that answers from the cache when the API is slow or down.
 */
export function createDirectory(opts: DirectoryOptions): Directory {
  const { api, clock } = opts;
  const log = opts.logger;
  const ttlMs = opts.ttlMs ?? DEFAULT_TTL_MS;
  const negativeTtlMs = opts.negativeTtlMs ?? DEFAULT_NEGATIVE_TTL_MS;
  const searchTtlMs = opts.searchTtlMs ?? DEFAULT_SEARCH_TTL_MS;
  const maxEntries = Math.max(1, opts.maxEntries ?? DEFAULT_MAX_ENTRIES);
  const lookupTimeoutMs = Math.max(1, opts.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS);

  /** The caller's wait for a look-up: its own abort, or the look-up deadline, whichever first. */
  async function awaitLookup<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const timer = new AbortController();
    const deadline = clock.sleep(lookupTimeoutMs, timer.signal).then(
      (): never => {
        throw new TransientError('timeout', `the client look-up did not answer within ${lookupTimeoutMs} ms`);
      },
      () => new Promise<never>(() => {}),
    );
    try {
      return await Promise.race([raceAbort(work, signal), deadline]);
    } finally {
      timer.abort(NO_LONGER_NEEDED);
    }
  }

  const records = new Map<number, Entry>();
  /** Look-up key (`phone:…`, `doc:…`, `search:…`, `id:…`) → the service ids it answered; [] is "none". */
  const keys = new Map<string, KeyEntry>();
  const inflight = new Map<string, Promise<ClientRecord[]>>();
  let useCounter = 0;

  const isFresh = (e: Entry) => clock.now() - e.fetchedAt < ttlMs;

  /** A fresh card in this process's memory. */
  function freshRecord(serviceId: number): ClientRecord | null {
    const e = records.get(serviceId);
    return e && isFresh(e) ? e.record : null;
  }

  /** A fresh card in memory, else one another process fetched and stored (taken into memory). */
  async function freshOrStored(serviceId: number): Promise<ClientRecord | null> {
    const known = freshRecord(serviceId);
    if (known || !opts.cards || records.has(serviceId)) return known;
    let stored;
    try {
      stored = await opts.cards.get(serviceId);
    } catch (err) {
      log.warn({ serviceId, err: (err as Error).message }, 'stored client card unreadable');
      return null;
    }
    if (!stored || stored.record.serviceId !== serviceId || clock.now() - stored.fetchedAt >= ttlMs || stored.fetchedAt > clock.now()) return null;
    // Fetched meanwhile: the newer card stays.
    if (!records.has(serviceId)) records.set(serviceId, { record: stored.record, fetchedAt: stored.fetchedAt, usedSeq: 0 });
    return freshRecord(serviceId);
  }

  function remember(found: ClientRecord[]): void {
    const now = clock.now();
    for (const record of found) {
      const prev = records.get(record.serviceId);
      // Delete first so Map order is fetch order and eviction drops the stalest.
      records.delete(record.serviceId);
      records.set(record.serviceId, { record, fetchedAt: now, usedSeq: prev?.usedSeq ?? 0 });
    }
    while (records.size > maxEntries) {
      const oldest = records.keys().next();
      if (oldest.done) break;
      records.delete(oldest.value);
    }
    if (opts.cards && found.length > 0) {
      // The card is still good in memory if this fails; only the next process pays a look-up.
      const cardsNotStored = (err: unknown) => log.warn({ err: (err as Error).message }, 'client cards not stored');
      try {
        opts.cards.put(found.map((record) => ({ record, fetchedAt: now }))).catch(cardsNotStored);
      } catch (err) {
        cardsNotStored(err);
      }
    }
  }

  function rememberKey(key: string, serviceIds: number[], ttl: number): void {
    keys.delete(key);
    keys.set(key, { serviceIds, expiresAt: clock.now() + ttl });
    while (keys.size > maxEntries) {
      const oldest = keys.keys().next();
      if (oldest.done) break;
      keys.delete(oldest.value);
    }
  }

  function markUsed(record: ClientRecord): void {
    const e = records.get(record.serviceId);
    if (e) e.usedSeq = ++useCounter;
  }

  /** The cached answer of a look-up key, or undefined when it must be asked again. */
  function cachedKey(key: string): ClientRecord[] | undefined {
    const k = keys.get(key);
    if (!k || k.expiresAt <= clock.now()) return undefined;
    const out: ClientRecord[] = [];
    for (const id of k.serviceIds) {
      const r = freshRecord(id);
      if (!r) return undefined; // a card expired or was evicted: the whole answer is stale
      out.push(r);
    }
    return out;
  }

  /**
   * One look-up through the cache, shared by everyone asking the same key at once. The shared
   * request never takes a caller's signal: one person giving up must not fail the others.
   */
  function lookup(key: string, flight: Flight, positiveTtl: number, call: () => Promise<ClientRecord[]>): Promise<ClientRecord[]> {
    const cached = cachedKey(key);
    if (cached) return Promise.resolve(cached);
    const flightKey = `${flight}|${key}`;
    const running = inflight.get(flightKey);
    if (running) return running;
    const work = (async () => {
      try {
        const found = await call();
        remember(found);
        rememberKey(
          key,
          found.map((r) => r.serviceId),
          found.length > 0 ? positiveTtl : Math.min(negativeTtlMs, positiveTtl),
        );
        return found;
      } catch (err) {
        if (isNotFound(err)) rememberKey(key, [], negativeTtlMs);
        throw err;
      } finally {
        inflight.delete(flightKey);
      }
    })();
    inflight.set(flightKey, work);
    return work;
  }

  const byId = (serviceId: number, flight: Flight, callOpts: { retries?: number; timeoutMs?: number; signal?: AbortSignal } = {}) =>
    lookup(`id:${serviceId}`, flight, ttlMs, async () => {
      const r = await api.clientByServiceId(serviceId, callOpts);
      return r ? [r] : [];
    });

  const search = (query: string, flight: Flight, callOpts: { retries?: number; timeoutMs?: number; signal?: AbortSignal } = {}) =>
    lookup(`search:${foldText(query)}`, flight, searchTtlMs, () => api.searchClients(query, callOpts));

  function found(client: ClientRecord): Resolution {
    markUsed(client);
    return { kind: 'found', client };
  }

  /** Several clients matched a name: one whose whole name is exactly the query wins, else the person must choose. */
  function pickByName(query: string, matches: ClientRecord[], target: Target): Resolution {
    if (matches.length === 0) return { kind: 'not_found', target };
    const only = matches[0];
    if (matches.length === 1 && only) return found(only);
    const q = foldText(query);
    const exact = matches.filter((c) => foldText(c.name) === q);
    const exactOne = exact[0];
    if (exact.length === 1 && exactOne) return found(exactOne);
    return { kind: 'ambiguous', matches: matches.slice(0, AMBIGUOUS_MAX) };
  }

  async function resolveId(serviceId: number, target: Target, signal: AbortSignal | undefined): Promise<Resolution> {
    const cached = await freshOrStored(serviceId);
    if (cached) return found(cached);
    try {
      const [client] = await awaitLookup(byId(serviceId, 'full'), signal);
      if (!client) return { kind: 'not_found', target };
      // Never ping (or report) another client than the one typed.
      if (client.serviceId !== serviceId) {
        log.warn({ serviceId, answered: client.serviceId }, 'client look-up answered another service id; refused');
        return { kind: 'mismatch', serviceId, answered: client.serviceId };
      }
      return found(client);
    } catch (err) {
      if (signal?.aborted) throw err;
      if (isNotFound(err)) return { kind: 'not_found', target };
      const fault = toFault(err);
      log.warn({ targetKind: 'service_id', serviceId, fault: { kind: fault.kind, status: fault.status } }, 'client look-up failed');
      // Bad credentials fail the ping too; anything else should not stop a check on a bare id.
      if (err instanceof PermanentError && err.kind === 'auth') return { kind: 'unavailable', fault };
      return { kind: 'unverified', serviceId, fault };
    }
  }

  async function resolveOther(target: Exclude<Target, { kind: 'service_id' }>, signal: AbortSignal | undefined): Promise<Resolution> {
    const key = targetKey(target);
    let matches: ClientRecord[];
    try {
      switch (target.kind) {
        case 'phone':
          matches = await awaitLookup(
            lookup(key, 'full', ttlMs, async () => {
              const r = await api.clientByPhone(target.phone);
              return r ? [r] : [];
            }),
            signal,
          );
          break;
        case 'document':
          matches = await awaitLookup(
            lookup(key, 'full', ttlMs, async () => {
              const r = await api.clientByDocument(target.document);
              return r ? [r] : [];
            }),
            signal,
          );
          break;
        case 'name':
          matches = await awaitLookup(search(target.query, 'full'), signal);
          break;
      }
    } catch (err) {
      if (signal?.aborted) throw err;
      if (isNotFound(err)) return { kind: 'not_found', target };
      const fault: Fault = toFault(err);
      log.warn({ targetKind: target.kind, fault: { kind: fault.kind, status: fault.status } }, 'client look-up failed');
      return { kind: 'unavailable', fault };
    }
    if (target.kind === 'name') return pickByName(target.query, matches, target);
    const first = matches[0];
    return first ? found(first) : { kind: 'not_found', target };
  }

  function recentlyUsed(limit: number): ClientRecord[] {
    return [...records.values()]
      .filter((e) => e.usedSeq > 0)
      .sort((a, b) => b.usedSeq - a.usedSeq)
      .slice(0, limit)
      .map((e) => e.record);
  }

  /** The API's suggestions, or [] when it errs or takes longer than `timeoutMs`. */
  async function remoteSuggest(query: string, timeoutMs: number): Promise<ClientRecord[]> {
    // Aborted once this suggest stops waiting, so a stuck request cannot hold the flight open
    // and make every later keystroke join it.
    const calls$ = new AbortController();
    const callOpts = { retries: 0, timeoutMs, signal: calls$.signal };
    const calls: Promise<ClientRecord[]>[] = [search(query, 'fast', callOpts)];
    const digits = /^\d+$/u.test(query) ? Number(query) : null;
    if (digits !== null && digits >= 1 && digits <= SERVICE_ID_MAX && !freshRecord(digits)) calls.push(byId(digits, 'fast', callOpts));
    const all = Promise.allSettled(calls).then((settled) => {
      const out: ClientRecord[] = [];
      for (const s of settled) {
        if (s.status === 'fulfilled') out.push(...s.value);
        else log.debug({ fault: { kind: toFault(s.reason).kind } }, 'suggest look-up failed; answering from the cache');
      }
      return out;
    });
    const timer = new AbortController();
    const timedOut = clock.sleep(timeoutMs, timer.signal).then(
      () => {
        log.debug({ timeoutMs }, 'suggest look-up too slow; answering from the cache');
        return [] as ClientRecord[];
      },
      () => [] as ClientRecord[],
    );
    try {
      return await Promise.race([all, timedOut]);
    } finally {
      timer.abort(NO_LONGER_NEEDED);
      calls$.abort();
    }
  }

  return {
    async resolve(target, resolveOpts = {}) {
      const { signal } = resolveOpts;
      if (signal?.aborted) throw signal.reason;
      const resolution =
        target.kind === 'service_id' ? await resolveId(target.serviceId, target, signal) : await resolveOther(target, signal);
      log.debug({ targetKind: target.kind, resolution: resolution.kind }, 'target resolved');
      return resolution;
    },

    async client(serviceId, clientOpts = {}) {
      const cached = await freshOrStored(serviceId);
      if (cached) {
        markUsed(cached);
        return cached;
      }
      try {
        const [client] = await awaitLookup(byId(serviceId, 'full'), clientOpts.signal);
        if (!client || client.serviceId !== serviceId) return null;
        markUsed(client);
        return client;
      } catch (err) {
        if (!clientOpts.signal?.aborted && !isNotFound(err)) {
          log.warn({ serviceId, fault: { kind: toFault(err).kind } }, 'client card unavailable');
        }
        return null;
      }
    },

    async suggest(query, suggestOpts = {}) {
      const limit = Math.max(0, Math.floor(suggestOpts.limit ?? DEFAULT_SUGGEST_LIMIT));
      const timeoutMs = Math.max(0, suggestOpts.timeoutMs ?? DEFAULT_SUGGEST_TIMEOUT_MS);
      try {
        const q = query.normalize('NFC').trim().replace(/\s+/gu, ' ');
        if (limit === 0) return [];
        if (q === '') return recentlyUsed(limit);

        const ranked = new Map<number, { record: ClientRecord; score: number; usedSeq: number; order: number }>();
        let order = 0;
        const offer = (record: ClientRecord, score: number, usedSeq: number) => {
          const prev = ranked.get(record.serviceId);
          if (!prev || score < prev.score) ranked.set(record.serviceId, { record, score, usedSeq, order: prev?.order ?? order++ });
        };
        for (const e of records.values()) {
          const score = matchScore(e.record, q);
          if (score !== null) offer(e.record, score, e.usedSeq);
        }
        // The API matches on more than we can (addresses, partial documents): keep those, ranked last.
        for (const r of await remoteSuggest(q, timeoutMs)) {
          offer(r, matchScore(r, q) ?? 4, records.get(r.serviceId)?.usedSeq ?? 0);
        }
        return [...ranked.values()]
          .sort((a, b) => a.score - b.score || b.usedSeq - a.usedSeq || a.order - b.order)
          .slice(0, limit)
          .map((x) => x.record);
      } catch (err) {
        // Autocomplete must answer something; an empty list is an answer.
        log.warn({ err: toFault(err).kind }, 'suggest failed');
        return [];
      }
    },
  };
}
