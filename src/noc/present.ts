/**
 * Plain-text words for NOC events and status (terminal and logs). Outside text (names,
 * falla_general descriptions) is left as is: each surface escapes it for its destination.
 */
import { formatDuration, formatUntil } from '../util/duration.js';
import { tally } from './engine.js';
import { formatLossPct, formatRttMs } from '../present/format.js';
import type { Incident, IntakeReport, NocEvent } from './types.js';
import type { WatcherStatus } from './watcher.js';
import type { Locale } from '../present/locale.js';
import { nocWords } from '../present/noc-words.js';

export const clockTime = (at: number): string => new Date(at).toTimeString().slice(0, 8);

function counts(i: Incident): string {
  const { down, checked } = tally(i);
  return checked > 0 ? `${down} of ${checked} checked down` : 'no checks yet';
}

function notes(i: Incident): string {
  return i.notes.length > 0 ? ` · ${i.notes.join(' · ')}` : '';
}

/** One line per event, e.g. `10:42:05 DOWN #12 RB-4.1 (Zona 4): 6 of 6 checked down`. */
export function describeEvent(e: NocEvent): string {
  const t = clockTime(e.at);
  switch (e.kind) {
    case 'opened':
      return `${t} DOWN #${e.incident.id} ${e.incident.label}: ${counts(e.incident)}${notes(e.incident)}`;
    case 'members_changed': {
      const parts = [...e.down.map((id) => `client ${id} down`), ...e.back.map((id) => `client ${id} back`)];
      return `${t} UPDATE #${e.incident.id} ${e.incident.label}: ${counts(e.incident)}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}${notes(e.incident)}`;
    }
    case 'acked':
      return `${t} ACK #${e.incident.id} ${e.incident.label} by ${e.by}`;
    case 'reminder':
      return `${t} STILL DOWN #${e.incident.id} ${e.incident.label} for ${formatDuration(e.at - e.incident.openedAt)}, not acked: ${counts(e.incident)}`;
    case 'resolved':
      return `${t} BACK #${e.incident.id} ${e.incident.label} after ${formatDuration(e.durationMs)}`;
    case 'flapping':
      return `${t} FLAPPING ${e.label}: ${e.changes} changes within ${formatDuration(e.windowMs)}; quiet until it settles for ${formatDuration(e.windowMs)}`;
    case 'silenced':
      return `${t} SILENCED #${e.incident.id} ${e.incident.label} by ${e.by} until ${formatUntil(e.until, e.at)}`;
    case 'budget_warning':
      return `${t} BUDGET ${e.message}${e.stretched.length > 0 ? `: ${e.stretched.join('; ')}` : ''}`;
    case 'intake_note':
      return `${t} NOTE ${intakeSentence(e)}`;
    case 'intake_resolved':
      return `${t} ALERT RESOLVED #${e.incident.id} ${e.incident.label}: ${intakeSentence(e)}`;
    case 'intake_summary':
      return `${t} NOTE ${summarySentence(e, 'en')}`;
    case 'intake_group_resolved':
      return `${t} ALERTS RESOLVED #${e.incident.id} ${e.incident.label}: ${groupResolvedSentence(e, 'en')}`;
  }
}

/** One notification's lines that answer, in one sentence: `Alertmanager ClientLinkDown: 38 of 40 alerting lines on RB-3 answer; …`. */
export function summarySentence(e: Extract<NocEvent, { kind: 'intake_summary' }>, locale: Locale): string {
  const w = nocWords(locale);
  return w.summary(`${e.source}${e.title ? ` ${e.title}` : ''}`, e.groups.map((g) => w.summaryGroup(g)));
}

export function groupResolvedSentence(e: Extract<NocEvent, { kind: 'intake_group_resolved' }>, locale: Locale): string {
  return nocWords(locale).groupResolved(`${e.source}${e.title ? ` ${e.title}` : ''}`, e.alerts, e.checked, e.answer);
}

/** `stable · 0 % loss · 23 ms`: our verdict as a note shows it. */
function verdictLine(r: Pick<IntakeReport, 'verdict' | 'lossPct' | 'rttMs'>): string {
  const parts = [(r.verdict ?? 'no verdict').replace(/_/g, ' ')];
  if (r.lossPct !== null) parts.push(`${formatLossPct(r.lossPct)} loss`);
  if (r.rttMs !== null) parts.push(formatRttMs(r.rttMs));
  return parts.join(' · ');
}

/**
 * What an alert from another system led to, in one sentence without the time:
 * `Alertmanager: ClientLinkDown 1001, but the line answers: stable · 0 % loss`.
 */
export function intakeSentence(e: Extract<NocEvent, { kind: 'intake_note' | 'intake_resolved' }>): string {
  const sentence = intakeVerdict(e);
  // What the sender said, so a /hooks/check reason or an alert's summary is read where it lands.
  return e.reason ? `${sentence} (sender: "${e.reason}")` : sentence;
}

function intakeVerdict(e: Extract<NocEvent, { kind: 'intake_note' | 'intake_resolved' }>): string {
  const head = `${e.source}: ${e.title ? `${e.title} ` : ''}${e.serviceId ?? `"${e.label}"`}`;
  // Antenna only: the sector antenna answers but the customer's device does not, a fault at the
  // premises; it opens no network incident, but the alert was right: never "the line answers".
  if (e.verdict === 'antenna_only' && e.kind === 'intake_resolved') return `${head} resolved, but the customer's device still does not answer, only the sector antenna (a fault at the premises): ${verdictLine(e)}`;
  if (e.verdict === 'antenna_only' && e.kind === 'intake_note' && e.why === 'answers') return `${head}: confirmed at the premises: the customer's device does not answer, only the sector antenna (${verdictLine(e)}); not a network outage, no incident opened`;
  if (e.kind === 'intake_resolved') {
    if (e.verdict === 'no_internet' || e.verdict === 'failed') return `${head} resolved, but the line still does not answer: ${verdictLine(e)}`;
    if (e.verdict === 'stable' || e.verdict === 'intermittent') return `${head} resolved; the line answers: ${verdictLine(e)}`;
    return `${head} resolved; our check could not tell (${verdictLine(e)})`;
  }
  switch (e.why) {
    case 'answers':
      return `${head}, but the line answers: ${verdictLine(e)}`;
    case 'on_hold':
      return `${head}: the line is on a billing hold (suspended or past its cut-off date), no incident opened`;
    case 'unknown':
      return `${head}: our check could not tell (${verdictLine(e)}), no incident opened`;
    case 'no_client':
      return `${head}: ${e.problem ?? 'no such client'}; nothing checked (check the alert's client label or tag)`;
  }
}

/** `pingops noc status` and the head of the live view. */
export function describeStatus(s: WatcherStatus, now: number): string {
  const lines: string[] = [];
  lines.push(`Plan: ${s.summary}`);
  for (const x of s.stretched) lines.push(`  stretched: ${x}`);
  const inUse = s.budgetPerMin > 0 ? Math.round((s.requestsLastMinute / s.budgetPerMin) * 100) : 0;
  lines.push(
    `Round ${s.round}${s.lastRoundMs !== null ? `, last took ${formatDuration(s.lastRoundMs)}` : ''}; budget in use ${s.requestsLastMinute} of ${Math.round(s.budgetPerMin)} req/min (${inUse} %), ${s.costPerCheck} requests per check`,
  );
  lines.push('');
  lines.push(s.watches.length === 0 ? 'Watching nothing: add with `npx pingops watch add <client|router:N|zone:N|all>`.' : 'Watching:');
  for (const w of s.watches) lines.push(`  ${w.kind === 'all' ? 'all' : `${w.kind}:${w.ref}`} every ${formatDuration(w.intervalMs)}`);
  if (s.groups.length > 0) {
    lines.push('');
    lines.push('Groups:');
    for (const g of s.groups.slice(0, 60)) lines.push(`  ${g.down ? 'DOWN' : 'up  '}  ${g.key.padEnd(10)} ${g.label} · ${g.clients} clients, ${g.candidates} may be sampled`);
    if (s.groups.length > 60) lines.push(`  … and ${s.groups.length - 60} more`);
  }
  if (s.single.length > 0) {
    lines.push('');
    lines.push('Clients watched one by one:');
    for (const c of s.single) lines.push(`  ${c.status === 'on_hold' ? 'billing hold (not checked)' : c.status.padEnd(7)}  client-${c.serviceId} ${c.name}`);
  }
  lines.push('');
  lines.push(s.open.length === 0 ? 'No open incidents.' : 'Open incidents:');
  for (const i of s.open) {
    const { down, checked } = tally(i);
    const state = i.state === 'acked' ? `acked by ${i.ackedBy ?? '?'}` : i.alerted ? 'open' : 'open (held back: silenced or flapping)';
    lines.push(`  #${i.id} ${i.label} [${i.scope}] · ${down} of ${checked} down · since ${clockTime(i.openedAt)} (${formatDuration(now - i.openedAt)}) · ${state}${notes(i)}`);
  }
  for (const x of s.silences) lines.push(`Silenced: ${x.scope} until ${formatUntil(x.until, now)}${x.reason ? ` (${x.reason})` : ''}`);
  return lines.join('\n');
}
