/**
 * Durations as people write them in settings, commands and CLI flags: `30s`, `5m`, `30min`,
 * `1h`, `2d`, `500ms`, or a bare number of milliseconds. Hand-written rather than the `ms`
 * package on purpose: `ms` also accepts words (`1 year`, `2 weeks`) and negative values we must
 * refuse.
 */
const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds for `text`, or null when it is not a positive duration. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|min|s|m|h|d)?\s*$/i.exec(text);
  if (!m) return null;
  const value = Number(m[1]) * (UNITS[(m[2] ?? 'ms').toLowerCase()] ?? 1);
  return Number.isFinite(value) && value >= 1 ? Math.round(value) : null;
}

/** A short human form: `45 s`, `2 min`, `1 h 5 min`, `3 d`. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  return `${Math.round(h / 24)} d`;
}
