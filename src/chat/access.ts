/**
 * Who may ask where, and how often: the rules every surface and the NOC's commands and buttons
 * share. Decisions are small pure functions; `createAccess` keeps the one per-person limiter, so a
 * person's `/ping`, Re-run and Check now count against one budget whatever the surface.
 */

/**
 * Where a request came from, as the surface knows it: the workspace (Slack team, Discord guild)
 * it was made in, and the one this pingops serves (null: none configured).
 */
export interface Workspace {
  id: string | null;
  home: string | null;
}

/** A person as the rules see them (chat's `Person` and the NOC's asker both fit). */
export interface Asker {
  id: string;
  /** A platform admin where the request was made (Slack workspace admin, Discord Administrator). */
  isAdmin?: boolean;
  /** Absent on surfaces without workspaces (the shell). */
  workspace?: Workspace;
}

/** True when pingops answers in `channel`: every channel when the list is empty. */
export function channelAllowed(channel: string, allowed: readonly string[]): boolean {
  return allowed.length === 0 || allowed.includes(channel);
}

/**
 * True when the request came from another workspace than the configured one: refused whole,
 * whatever rights the person has there (anyone can be Administrator of a server of their own).
 */
export function fromElsewhere(person: Asker): boolean {
  const w = person.workspace;
  return w !== undefined && w.home !== null && w.id !== w.home;
}

/**
 * A pingops admin: named in PINGOPS_ADMINS, or a platform admin in the workspace pingops serves.
 * Platform rights count only there: on Discord without DISCORD_GUILD_ID they count nowhere.
 */
export function isAdmin(person: Asker, admins: readonly string[]): boolean {
  if (fromElsewhere(person)) return false;
  if (admins.includes(person.id)) return true;
  const w = person.workspace;
  return person.isAdmin === true && (w === undefined || (w.home !== null && w.id === w.home));
}

/** True when `person` may cancel a check `requester` started. */
export function mayCancel(person: Asker, requester: string, admins: readonly string[]): boolean {
  return (person.id === requester && !fromElsewhere(person)) || isAdmin(person, admins);
}

export type RateDecision = { ok: true; times: number[] } | { ok: false; retryInMs: number; times: number[] };

const WINDOW_MS = 60_000;

/**
 * A sliding one-minute window per person: `times` are the moments of their earlier pings.
 * Returns the times to keep (with `now` added when allowed) and, when refused, how long until
 * the oldest ping leaves the window.
 */
export function rateDecision(times: readonly number[], now: number, perMinute: number): RateDecision {
  const recent = times.filter((t) => now - t < WINDOW_MS);
  if (recent.length < perMinute) return { ok: true, times: [...recent, now] };
  const oldest = recent[recent.length - perMinute] ?? recent[0] ?? now;
  return { ok: false, retryInMs: Math.max(1000, oldest + WINDOW_MS - now), times: recent };
}

/** Per-person ping moments, bounded: a person not seen for a minute is forgotten. */
export function createRateLimiter(perMinute: number, maxPeople = 10_000) {
  const seen = new Map<string, number[]>();
  return {
    /** Records a ping by `person` at `now`, or says how long to wait; `limit` overrides the per-minute count. */
    take(person: string, now: number, limit = perMinute): { ok: true } | { ok: false; retryInMs: number } {
      const d = rateDecision(seen.get(person) ?? [], now, limit);
      seen.delete(person);
      seen.set(person, d.times);
      if (seen.size > maxPeople) {
        for (const [k, v] of seen) {
          if (seen.size <= maxPeople) break;
          if ((v.at(-1) ?? 0) < now - WINDOW_MS) seen.delete(k);
          else break;
        }
      }
      return d.ok ? { ok: true } : { ok: false, retryInMs: d.retryInMs };
    },
  };
}

/** The settings the rules read (config.access). */
export interface AccessSettings {
  allowedChannels: readonly string[];
  admins: readonly string[];
  /** Checks a minute for everyone (PINGOPS_USER_RATE_PER_MIN). */
  userRatePerMin: number;
  /** Checks a minute for admins, who check clients by hand (PINGOPS_ADMIN_RATE_PER_MIN; default the same as everyone's). */
  adminRatePerMin?: number;
}

/** Why a request was not admitted. */
export type Refusal = { kind: 'elsewhere' } | { kind: 'channel'; allowed: readonly string[] } | { kind: 'rate'; retryInMs: number };

/** The shared rules: one per process, handed to every engine, the `/noc` commands and the incident buttons. */
export interface Access {
  readonly settings: AccessSettings;
  isAdmin(person: Asker): boolean;
  /**
   * Admits a request by `person` in `channel` (null: no channel rule, e.g. the shell), or says why
   * not: another workspace, a channel outside PINGOPS_ALLOWED_CHANNELS (plus `alsoIn`, e.g. the
   * NOC channels for /noc and incident buttons), then, when it `counts` (it starts checks), the
   * person's per-minute limit, keyed by surface and person so ids of two platforms never mix.
   */
  admit(person: Asker, o: { surface: string; channel: string | null; counts: boolean; now: number; alsoIn?: readonly string[] }): Refusal | null;
}

export function createAccess(settings: AccessSettings): Access {
  const limiter = createRateLimiter(settings.userRatePerMin);
  return {
    settings,
    isAdmin: (person) => isAdmin(person, settings.admins),
    admit(person, o) {
      if (fromElsewhere(person)) return { kind: 'elsewhere' };
      const allowed = settings.allowedChannels.length === 0 ? [] : [...settings.allowedChannels, ...(o.alsoIn ?? [])];
      if (o.channel !== null && !channelAllowed(o.channel, allowed)) return { kind: 'channel', allowed };
      if (!o.counts) return null;
      const limit = isAdmin(person, settings.admins) ? Math.max(settings.adminRatePerMin ?? settings.userRatePerMin, settings.userRatePerMin) : settings.userRatePerMin;
      const rate = limiter.take(`${o.surface}:${person.id}`, o.now, limit);
      return rate.ok ? null : { kind: 'rate', retryInMs: rate.retryInMs };
    },
  };
}
