import type { Locale } from './locale.js';

/** Longest value a card field shows before it is cut with an ellipsis. */
export const FIELD_MAX = 200;

/**
 * A duration as a technician reads it: `4.5 s` under a minute, `2 min 05 s` above.
 * Spanish uses a decimal comma (es-CO writes `4,5 s`).
 */
export function formatElapsed(ms: number, locale: Locale = 'en'): string {
  const safe = Number.isFinite(ms) && ms > 0 ? ms : 0;
  // Round to tenths first so 59.96 s reads as 1 min 00 s, not 60.0 s.
  const tenths = Math.round(safe / 100);
  if (tenths < 600) {
    const text = (tenths / 10).toFixed(1);
    return `${locale === 'es' ? text.replace('.', ',') : text} s`;
  }
  const totalSeconds = Math.round(safe / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

/** A rough wait as people say it: `10 s` up to 50 s (rounded up to 5 s), else whole minutes (`1 min`, `4 min`). */
export function formatEta(ms: number): string {
  const safe = Number.isFinite(ms) && ms > 0 ? ms : 0;
  if (safe <= 50_000) return `${Math.max(5, Math.ceil(safe / 5000) * 5)} s`;
  return `${Math.max(1, Math.round(safe / 60_000))} min`;
}

/** A measured number as people write it: whole when whole or large, else one decimal (comma in Spanish). */
function measure(n: number, locale: Locale): string {
  const text = Number.isInteger(n) || n >= 10 ? String(Math.round(n)) : n.toFixed(1);
  return locale === 'es' ? text.replace('.', ',') : text;
}

/** Packet loss as shown next to a verdict: `0 %`, `12.5 %` (`12,5 %` in Spanish). */
export function formatLossPct(pct: number, locale: Locale = 'en'): string {
  const safe = Number.isFinite(pct) ? Math.min(100, Math.max(0, pct)) : 0;
  // Loss keeps its tenth (12.5 %): one lost packet in eight is not 13 %.
  const tenths = Math.round(safe * 10) / 10;
  const text = Number.isInteger(tenths) ? String(tenths) : tenths.toFixed(1);
  return `${locale === 'es' ? text.replace('.', ',') : text} %`;
}

/** A round-trip time: `23 ms`, `2.1 ms` (`2,1 ms` in Spanish). */
export function formatRttMs(ms: number, locale: Locale = 'en'): string {
  const safe = Number.isFinite(ms) && ms > 0 ? ms : 0;
  return `${measure(Math.round(safe * 10) / 10, locale)} ms`;
}

/**
 * Colombian pesos as written in Colombia, in both languages: `$130.000` (dot thousands,
 * no cents: COP prices are whole pesos).
 */
export function formatCop(amount: number): string {
  // Past Number.MAX_SAFE_INTEGER String() switches to exponent notation (`$1e+308`).
  if (!Number.isFinite(amount) || Math.abs(amount) > Number.MAX_SAFE_INTEGER) return '$?';
  const rounded = Math.round(Math.abs(amount));
  const grouped = String(rounded).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `${amount < 0 && rounded > 0 ? '-' : ''}$${grouped}`;
}

/** Cuts text to `max` characters (code points, so emoji are never split), ending with `…`. */
export function truncate(text: string, max: number = FIELD_MAX): string {
  // Code points never outnumber UTF-16 units: a short text needs no split (every field of every view passes here).
  if (text.length <= max) return text;
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/**
 * Untrusted text made fit for one line of a card: runs of whitespace (newlines, tabs) become one
 * space, then it is capped. Not escaping: markup characters are kept for the adapter to escape.
 */
export function oneLine(text: string, max: number = FIELD_MAX): string {
  return truncate(text.replace(/\s+/gu, ' ').trim(), max);
}

/** The first line of a message, capped: error texts shown in chat never carry a stack or a wall of text. */
export function firstLine(text: string, max: number = FIELD_MAX): string {
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  return truncate(line.trim(), max);
}

/** A task id short enough for a footer; the full id is in the logs. */
export function shortTaskId(taskId: string): string {
  return Array.from(taskId).slice(0, 8).join('');
}

/**
 * An ISO calendar date (`YYYY-MM-DD`, or the date part of an ISO timestamp), or null when the
 * text is not one, so a malformed cut-off date never raises a false billing warning.
 */
export function isoDate(text: string | null): string | null {
  if (!text) return null;
  const m = /^(\d{4}-\d{2}-\d{2})(?:$|[T ])/.exec(text.trim());
  return m?.[1] ?? null;
}

/**
 * Today's date for `now`, in UTC: a cut-off is compared as a calendar date, and UTC keeps the
 * answer the same on every host whatever its time zone.
 */
export function todayIso(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}
