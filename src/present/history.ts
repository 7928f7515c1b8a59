import type { StoredCheck } from '../store/ports.js';
import type { Locale } from './locale.js';
import { oneLine } from './format.js';
import { titleOf } from './render.js';
import type { Verdict } from '../core/verdict.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY = 24 * HOUR;

/** "just now", "5 min", "2 h", "3 d": how long ago, in a technician's shorthand. */
export function agoText(ms: number, locale: Locale): string {
  const es = locale === 'es';
  if (ms < MINUTE) return es ? 'hace un momento' : 'just now';
  const n = ms < HOUR ? `${Math.floor(ms / MINUTE)} min` : ms < DAY ? `${Math.floor(ms / HOUR)} h` : `${Math.floor(ms / DAY)} d`;
  return es ? `hace ${n}` : `${n} ago`;
}

const VERDICT_NAMES: Record<Locale, Record<Verdict, string>> = {
  en: { stable: 'stable', intermittent: 'intermittent', no_internet: 'no internet', antenna_only: 'antenna only', failed: 'failed', timed_out: 'timed out', cancelled: 'cancelled' },
  es: { stable: 'estable', intermittent: 'intermitente', no_internet: 'sin internet', antenna_only: 'solo antena', failed: 'falló', timed_out: 'sin veredicto a tiempo', cancelled: 'cancelada' },
};

/** One word or two for a verdict, for one-line summaries. */
function verdictName(c: Pick<StoredCheck, 'verdict' | 'state'>, locale: Locale): string {
  if (!c.verdict) return locale === 'es' ? 'en curso' : 'running';
  return VERDICT_NAMES[locale][c.verdict];
}

/** "loss 0 % · 12 ms" when the API reported them, else empty. */
function lossRtt(c: Pick<StoredCheck, 'lossPct' | 'rttMs'>, locale: Locale): string {
  const parts: string[] = [];
  if (c.lossPct !== null) parts.push(`${locale === 'es' ? 'pérdida' : 'loss'} ${Math.round(c.lossPct * 10) / 10} %`);
  if (c.rttMs !== null) parts.push(`${Math.round(c.rttMs)} ms`);
  return parts.join(' · ');
}

/** The card's one line about the previous check: "Last check 2 h ago: stable". */
export function lastCheckLine(last: StoredCheck, now: number, locale: Locale): { label: string; value: string } {
  const when = agoText(now - (last.finishedAt ?? last.startedAt), locale);
  const extra = lossRtt(last, locale);
  return {
    label: locale === 'es' ? 'Última prueba' : 'Last check',
    value: `${when}: ${verdictName(last, locale)}${extra ? ` (${extra})` : ''}`,
  };
}

/** The private answer to `/ping history <client>`: the last checks, newest first. */
export function historyText(serviceId: number, checks: readonly StoredCheck[], now: number, locale: Locale): string {
  const es = locale === 'es';
  const title = titleOf(serviceId, checks.find((c) => c.client)?.client ?? null, locale);
  if (checks.length === 0) return es ? `${title}: todavía no hay pruebas guardadas.` : `${title}: no checks stored yet.`;
  const lines = checks.map((c) => {
    const who = oneLine(c.requesterName ?? c.requester, 40);
    const extra = lossRtt(c, locale);
    return `• ${agoText(now - c.startedAt, locale)} · ${verdictName(c, locale)}${extra ? ` · ${extra}` : ''} · ${es ? 'pedida por' : 'asked by'} ${who} (${c.surface}) · ${new Date(c.startedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  });
  const n = checks.length;
  const heading = es ? (n === 1 ? 'última prueba' : `últimas ${n} pruebas`) : n === 1 ? 'last check' : `last ${n} checks`;
  return [`${title} · ${heading}:`, ...lines].join('\n');
}
