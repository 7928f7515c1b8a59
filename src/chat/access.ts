/** Who may ask where, and how often: small pure decisions the engine applies to every surface. */

/** True when pingops answers in `channel`: every channel when the list is empty. */
export function channelAllowed(channel: string, allowed: readonly string[]): boolean {
  return allowed.length === 0 || allowed.includes(channel);
}

/** True when `person` may cancel a check `requester` started. */
export function mayCancel(person: { id: string; isAdmin?: boolean }, requester: string, admins: readonly string[]): boolean {
  return person.id === requester || person.isAdmin === true || admins.includes(person.id);
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
  const oldest = recent[0] ?? now;
  return { ok: false, retryInMs: Math.max(1000, oldest + WINDOW_MS - now), times: recent };
}

/** Per-person ping moments, bounded: a person not seen for a minute is forgotten. */
export function createRateLimiter(perMinute: number, maxPeople = 10_000) {
  const seen = new Map<string, number[]>();
  return {
    /** Records a ping by `person` at `now`, or says how long to wait. */
    take(person: string, now: number): { ok: true } | { ok: false; retryInMs: number } {
      const d = rateDecision(seen.get(person) ?? [], now, perMinute);
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
