import { localeFrom, type Locale } from '../../present/locale.js';
import type { Clock } from '../../util/clock.js';
import { childWith, type Logger } from '../../util/logger.js';
import { callWithRetry, classifySlackError, describeFailure } from './web.js';
import type { SlackCall } from './web-calls.js';

/** What we need to know about a Slack user: their language and whether they may cancel others' checks. */
export interface SlackUser {
  locale: Locale;
  /** Workspace admin or owner. */
  isAdmin: boolean;
}

/** Cached users.info look-ups, filled ahead from users.list. */
export interface UserDirectory {
  /** Never throws: on failure the fallback locale and no admin rights. */
  get(userId: string): Promise<SlackUser>;
  /**
   * Loads the workspace's members (users.list with their locales) into the cache, so that a
   * person's first command waits for no users.info. Never throws: a failure is logged, and
   * users.info still answers for whoever is missing. Resolves with how many were loaded.
   */
  load(signal?: AbortSignal): Promise<number>;
}

interface Entry {
  at: number;
  value: Promise<SlackUser>;
}

/** Members per users.list page: Slack recommends no more than 200. */
const PAGE_SIZE = 200;
/** Tries of one page that Slack answers 429 (users.list is Tier 2: about 20 a minute), waiting its Retry-After. */
const PAGE_TRIES = 3;

type Member = { id?: unknown; locale?: unknown; is_admin?: unknown; is_owner?: unknown; is_primary_owner?: unknown; deleted?: unknown; is_bot?: unknown };

/**
 * Caches users.info (with `include_locale`) per user for `ttlMs`; failed look-ups are not cached.
 * At most `maxEntries` people, the oldest forgotten first.
 */
export function createUserDirectory(deps: {
  call: SlackCall;
  fallback: Locale;
  clock: Clock;
  logger: Logger;
  ttlMs?: number;
  maxEntries?: number;
}): UserDirectory {
  const ttlMs = deps.ttlMs ?? 60 * 60_000;
  const maxEntries = deps.maxEntries ?? 5000;
  const cache = new Map<string, Entry>();
  const log = () => childWith(deps.logger, { surface: 'slack' });

  const userOf = (raw: unknown): SlackUser => {
    const u = (raw && typeof raw === 'object' ? raw : {}) as Member;
    return {
      locale: localeFrom(typeof u.locale === 'string' ? u.locale : undefined, deps.fallback),
      isAdmin: u.is_admin === true || u.is_owner === true || u.is_primary_owner === true,
    };
  };
  const put = (userId: string, entry: Entry) => {
    // Re-inserted, so that the oldest entry is always the first one.
    cache.delete(userId);
    if (cache.size >= maxEntries) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(userId, entry);
  };

  const fetchUser = async (userId: string): Promise<SlackUser> => userOf((await deps.call('users.info', { user: userId, include_locale: true })).user);

  return {
    get(userId) {
      const now = deps.clock.now();
      const hit = cache.get(userId);
      if (hit && now - hit.at < ttlMs) return hit.value;
      const value = fetchUser(userId).catch((err: unknown) => {
        cache.delete(userId);
        log().warn({ user: userId, err: describeFailure(classifySlackError(err)) }, 'users.info failed; using the default locale');
        return { locale: deps.fallback, isAdmin: false };
      });
      put(userId, { at: now, value });
      return value;
    },
    async load(signal) {
      let loaded = 0;
      let cursor: string | undefined;
      try {
        // No more pages than the cache holds people: a bigger workspace's rest comes from users.info.
        for (let pages = 0; pages * PAGE_SIZE < maxEntries && !signal?.aborted; pages++) {
          const args = { limit: PAGE_SIZE, include_locale: true, ...(cursor ? { cursor } : {}) };
          const res = await callWithRetry(() => deps.call('users.list', args), deps.clock, PAGE_TRIES, signal);
          const members = Array.isArray(res.members) ? (res.members as Member[]) : [];
          const at = deps.clock.now();
          for (const m of members) {
            // Nobody types a command as a bot or a deactivated account.
            if (typeof m.id !== 'string' || m.deleted === true || m.is_bot === true) continue;
            put(m.id, { at, value: Promise.resolve(userOf(m)) });
            loaded++;
          }
          const next = (res.response_metadata as { next_cursor?: unknown } | undefined)?.next_cursor;
          if (typeof next !== 'string' || next === '') break;
          cursor = next;
        }
        log().info({ users: loaded }, 'slack users loaded');
      } catch (err) {
        if (!signal?.aborted) log().warn({ loaded, err: describeFailure(classifySlackError(err)) }, 'users.list failed; people are looked up one by one');
      }
      return loaded;
    },
  };
}
