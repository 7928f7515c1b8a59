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

/** The latest moment a JavaScript Date can hold. */
const MAX_DATE_MS = 8.64e15;

/**
 * When something ends, in local time: the time of day when it is today (`14:05:00`), else the
 * day as well (`Thu 10 Dec 14:00`), so "until 14:00" never means a different day than it reads.
 * A moment past what a date can hold (stored before silences were bounded) is "further notice".
 */
export function formatUntil(at: number, now: number): string {
  if (!Number.isFinite(at) || Math.abs(at) > MAX_DATE_MS) return 'further notice';
  const end = new Date(at);
  const today = new Date(now);
  const hm = `${String(end.getHours()).padStart(2, '0')}:${String(end.getMinutes()).padStart(2, '0')}`;
  if (end.toDateString() === today.toDateString()) return `${hm}:${String(end.getSeconds()).padStart(2, '0')}`;
  const weekday = end.toLocaleDateString('en-GB', { weekday: 'short' });
  const month = end.toLocaleDateString('en-GB', { month: 'short' });
  const year = end.getFullYear() !== today.getFullYear() ? ` ${end.getFullYear()}` : '';
  return `${weekday} ${end.getDate()} ${month}${year} ${hm}`;
}
