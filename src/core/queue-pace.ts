/**
 * How fast this process's request queue is really served: the pace a waiting person's ETA and
 * the queue's admission count with. Alone on an in-process bucket that is the configured rate.
 * On the budget every replica shares it is what the other replicas leave of the refill (two
 * replicas with people waiting: about half each), so an ETA at the whole refill promised a wait
 * half as long as it turned out, and admitted checks whose wait would pass
 * `PING_QUEUE_MAX_WAIT_MS`.
 *
 * The queue records a sample each time tokens reach people's requests it had been waiting with:
 * how many, after how long. The pace is the window's time per token, never faster than the
 * configured rate (a burst's tokens come at once, and the window may hold nothing else).
 * Samples of the same second are kept as one, so the window holds at most about 60 whatever the
 * rate (at 60,000 a minute a queue draws a thousand times a second, and it reads the pace on
 * every draw).
 */

/** Tokens handed to waiting requests `ms` after the queue began waiting for them, at `at`. */
export interface PaceSample {
  at: number;
  tokens: number;
  ms: number;
}

/** How far back samples count: long enough for several draws at low rates, short enough to follow a replica joining or leaving. */
export const PACE_WINDOW_MS = 60_000;

/** Samples within one such span (by the clock's whole seconds) are kept as one. */
export const PACE_BIN_MS = 1000;

/** Fewer tokens than this in the window say nothing yet: the configured rate stands. */
export const PACE_MIN_TOKENS = 5;

/** Milliseconds per request the queue is being served at (`configuredMs` or slower). */
export function observedMsPerRequest(samples: readonly PaceSample[], now: number, configuredMs: number, windowMs = PACE_WINDOW_MS): number {
  let tokens = 0;
  let ms = 0;
  for (const s of samples) {
    if (now - s.at > windowMs) continue;
    tokens += s.tokens;
    ms += s.ms;
  }
  if (tokens < PACE_MIN_TOKENS) return configuredMs;
  return Math.max(configuredMs, Math.round(ms / tokens));
}

/** The samples still inside the window, oldest first (the queue keeps no more than these). */
export function recentSamples(samples: readonly PaceSample[], now: number, windowMs = PACE_WINDOW_MS): PaceSample[] {
  const first = samples.findIndex((s) => now - s.at <= windowMs);
  return first < 0 ? [] : samples.slice(first);
}

/** The window's samples at `s.at` with `s` added, merged into the newest when both fall in one PACE_BIN_MS. */
export function withSample(samples: readonly PaceSample[], s: PaceSample, windowMs = PACE_WINDOW_MS): PaceSample[] {
  const kept = recentSamples(samples, s.at, windowMs);
  const last = kept.at(-1);
  if (last && Math.floor(last.at / PACE_BIN_MS) === Math.floor(s.at / PACE_BIN_MS)) {
    kept[kept.length - 1] = { at: s.at, tokens: last.tokens + s.tokens, ms: last.ms + s.ms };
  } else {
    kept.push(s);
  }
  return kept;
}
