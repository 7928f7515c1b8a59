import { localeFrom, type Locale } from '../../present/locale.js';
import type { Clock } from '../../util/clock.js';
import { childWith, type Logger } from '../../util/logger.js';
import { classifySlackError, describeFailure } from './web.js';
import type { SlackCall } from './web-calls.js';

/** What we need to know about a Slack user: their language and whether they may cancel others' checks. */
export interface SlackUser {
  locale: Locale;
  /** Workspace admin or owner. */
  isAdmin: boolean;
}

/** Cached users.info look-ups. */
export interface UserDirectory {
  /** Never throws: on failure the fallback locale and no admin rights. */
  get(userId: string): Promise<SlackUser>;
}

interface Entry {
  at: number;
  value: Promise<SlackUser>;
}

/** Caches users.info (with `include_locale`) per user for `ttlMs`; failed look-ups are not cached. */
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

  const fetchUser = async (userId: string): Promise<SlackUser> => {
    const res = await deps.call('users.info', { user: userId, include_locale: true });
    const u = (res.user && typeof res.user === 'object' ? res.user : {}) as { locale?: unknown; is_admin?: unknown; is_owner?: unknown; is_primary_owner?: unknown };
    return {
      locale: localeFrom(typeof u.locale === 'string' ? u.locale : undefined, deps.fallback),
      isAdmin: u.is_admin === true || u.is_owner === true || u.is_primary_owner === true,
    };
  };

  return {
    get(userId) {
      const now = deps.clock.now();
      const hit = cache.get(userId);
      if (hit && now - hit.at < ttlMs) return hit.value;
      const value = fetchUser(userId).catch((err: unknown) => {
        cache.delete(userId);
        childWith(deps.logger, { surface: 'slack' }).warn({ user: userId, err: describeFailure(classifySlackError(err)) }, 'users.info failed; using the default locale');
        return { locale: deps.fallback, isAdmin: false };
      });
      if (cache.size >= maxEntries) {
        const oldest = cache.keys().next();
        if (!oldest.done) cache.delete(oldest.value);
      }
      cache.set(userId, { at: now, value });
      return value;
    },
  };
}
