/**
 * The NOC as people read it in plain lines: one line per event (the terminal, `pingops noc`, the
 * bot's log), the alert-intake sentences every surface shares, and `noc status`. In English and
 * Spanish, by `LOCALE` (the words live in `noc-words`). Outside text (names, falla_general
 * descriptions, alert names) is left as is: each surface escapes it for its destination.
 */
import { formatDuration, formatUntil } from '../util/duration.js';
import type { Incident, IntakeReport, NocEvent, WatcherStatus } from '../noc/types.js';
import { formatLossPct, formatRttMs } from './format.js';
import type { Locale } from './locale.js';
import { nocWords } from './noc-words.js';

export const clockTime = (at: number): string => new Date(at).toTimeString().slice(0, 8);

/** Down members of an incident, and how many were checked (an alerting client not yet checked is neither). */
export function tally(i: Pick<Incident, 'members'>): { down: number; checked: number } {
  return { down: i.members.filter((m) => m.health === 'down').length, checked: i.members.filter((m) => m.health !== 'unknown').length };
}

function counts(i: Incident, locale: Locale): string {
  const { down, checked } = tally(i);
  return nocWords(locale).line.checkedDown(down, checked);
}

function notes(i: Incident): string {
  return i.notes.length > 0 ? ` · ${i.notes.join(' · ')}` : '';
}

/** One line per event, e.g. `10:42:05 DOWN #12 RB-4.1 (Zona 4): 6 of 6 checked down`. */
export function describeEvent(e: NocEvent, locale: Locale = 'en'): string {
  const t = clockTime(e.at);
  const w = nocWords(locale).line;
  switch (e.kind) {
    case 'opened':
      return `${t} ${w.down} #${e.incident.id} ${e.incident.label}: ${counts(e.incident, locale)}${notes(e.incident)}`;
    case 'members_changed': {
      const parts = [...e.down.map((id) => w.clientDown(id)), ...e.back.map((id) => w.clientBack(id))];
      const head = e.incident.state === 'resolved' ? w.afterRecovery : w.update;
      return `${t} ${head} #${e.incident.id} ${e.incident.label}: ${counts(e.incident, locale)}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}${notes(e.incident)}`;
    }
    case 'acked':
      return `${t} ${w.ack} #${e.incident.id} ${e.incident.label} ${w.by(e.by)}`;
    case 'reminder':
      return `${t} ${w.stillDown} #${e.incident.id} ${e.incident.label} ${w.notAcked(formatDuration(e.at - e.incident.openedAt))}: ${counts(e.incident, locale)}`;
    case 'resolved':
      return `${t} ${w.back} #${e.incident.id} ${e.incident.label} ${w.after(formatDuration(e.durationMs))}`;
    case 'flapping':
      return `${t} ${w.flapping} ${e.label}: ${w.flappingWhy(e.changes, formatDuration(e.windowMs))}`;
    case 'silenced':
      return `${t} ${w.silenced} #${e.incident.id} ${e.incident.label} ${w.by(e.by)} ${w.until(formatUntil(e.until, e.at))}`;
    case 'budget_warning':
      return `${t} ${w.budget} ${e.message}${e.stretched.length > 0 ? `: ${e.stretched.join('; ')}` : ''}`;
    case 'intake_note':
      return `${t} ${w.note} ${intakeSentence(e, locale)}`;
    case 'intake_resolved':
      return `${t} ${w.alertResolved} #${e.incident.id} ${e.incident.label}: ${intakeSentence(e, locale)}`;
    case 'intake_summary':
      return `${t} ${w.note} ${summarySentence(e, locale)}`;
    case 'intake_group_resolved':
      return `${t} ${w.alertsResolved} #${e.incident.id} ${e.incident.label}: ${groupResolvedSentence(e, locale)}`;
  }
}

/** `stable · 0 % loss · 23 ms`: our verdict as a note shows it. */
function verdictLine(r: Pick<IntakeReport, 'verdict' | 'lossPct' | 'rttMs'>, locale: Locale): string {
  const w = nocWords(locale).line;
  const parts = [r.verdict ? w.verdict[r.verdict] : w.noVerdict];
  if (r.lossPct !== null) parts.push(w.loss(formatLossPct(r.lossPct)));
  if (r.rttMs !== null) parts.push(formatRttMs(r.rttMs));
  return parts.join(' · ');
}

/**
 * What an alert from another system led to, in one sentence without the time:
 * `Alertmanager: ClientLinkDown 1001, but the line answers: stable · 0 % loss`.
 */
export function intakeSentence(e: Extract<NocEvent, { kind: 'intake_note' | 'intake_resolved' }>, locale: Locale = 'en'): string {
  const sentence = intakeVerdict(e, locale);
  // What the sender said, so a /hooks/check reason or an alert's summary is read where it lands.
  return e.reason ? nocWords(locale).line.senderSaid(sentence, e.reason) : sentence;
}

function intakeVerdict(e: Extract<NocEvent, { kind: 'intake_note' | 'intake_resolved' }>, locale: Locale): string {
  const w = nocWords(locale).line;
  const head = `${e.source}: ${e.title ? `${e.title} ` : ''}${e.serviceId ?? `"${e.label}"`}`;
  const v = verdictLine(e, locale);
  // Antenna only: the sector antenna answers but the customer's device does not, a fault at the
  // premises; it opens no network incident, but the alert was right: never "the line answers".
  if (e.verdict === 'antenna_only' && e.kind === 'intake_resolved') return w.resolvedPremises(head, v);
  if (e.verdict === 'antenna_only' && e.kind === 'intake_note' && e.why === 'answers') return w.premises(head, v);
  if (e.kind === 'intake_resolved') {
    if (e.verdict === 'no_internet' || e.verdict === 'failed') return w.resolvedStillDown(head, v);
    if (e.verdict === 'stable' || e.verdict === 'intermittent') return w.resolvedAnswers(head, v);
    return w.resolvedUnknown(head, v);
  }
  switch (e.why) {
    case 'answers':
      return w.answers(head, v);
    case 'on_hold':
      return w.onHold(head);
    case 'unknown':
      return w.unknown(head, v);
    case 'no_client':
      return w.noClient(head, e.problem ?? null);
  }
}

/** One notification's lines that answer, in one sentence: `Alertmanager ClientLinkDown: 38 of 40 alerting lines on RB-3 answer; …`. */
export function summarySentence(e: Extract<NocEvent, { kind: 'intake_summary' }>, locale: Locale = 'en'): string {
  const w = nocWords(locale);
  return w.summary(`${e.source}${e.title ? ` ${e.title}` : ''}`, e.groups.map((g) => w.summaryGroup(g)));
}

/** A router's alerts resolved by their sender, and what the re-check found. */
export function groupResolvedSentence(e: Extract<NocEvent, { kind: 'intake_group_resolved' }>, locale: Locale = 'en'): string {
  return nocWords(locale).groupResolved(`${e.source}${e.title ? ` ${e.title}` : ''}`, e.alerts, e.checked, e.answer);
}

/** `pingops noc status` and the head of the live view. */
export function describeStatus(s: WatcherStatus, now: number, locale: Locale = 'en'): string {
  const w = nocWords(locale).status;
  const lines: string[] = [];
  lines.push(w.plan(s.summary));
  for (const x of s.stretched) lines.push(`  ${w.stretched(x)}`);
  const inUse = s.budgetPerMin > 0 ? Math.round((s.requestsLastMinute / s.budgetPerMin) * 100) : 0;
  lines.push(w.round(s.round, s.lastRoundMs !== null ? formatDuration(s.lastRoundMs) : null, s.requestsLastMinute, Math.round(s.budgetPerMin), inUse, s.costPerCheck));
  lines.push('');
  lines.push(s.watches.length === 0 ? w.watchingNothing : w.watching);
  for (const x of s.watches) lines.push(`  ${x.kind === 'all' ? 'all' : `${x.kind}:${x.ref}`} ${w.every(formatDuration(x.intervalMs))}`);
  if (s.groups.length > 0) {
    lines.push('');
    lines.push(w.groups);
    for (const g of s.groups.slice(0, 60)) lines.push(`  ${g.down ? w.groupDown : w.groupUp}  ${g.key.padEnd(10)} ${g.label} · ${w.groupClients(g.clients, g.candidates)}`);
    if (s.groups.length > 60) lines.push(`  ${w.andMore(s.groups.length - 60)}`);
  }
  if (s.single.length > 0) {
    lines.push('');
    lines.push(w.single);
    for (const c of s.single) lines.push(`  ${c.status === 'on_hold' ? w.onHold : w.clientStatus[c.status].padEnd(7)}  client-${c.serviceId} ${c.name}`);
  }
  lines.push('');
  lines.push(s.open.length === 0 ? w.noOpen : w.open);
  for (const i of s.open) {
    const { down, checked } = tally(i);
    const state = i.state === 'acked' ? w.ackedBy(i.ackedBy ?? '?') : i.alerted ? w.stateOpen : w.heldBack;
    lines.push(`  #${i.id} ${i.label} [${i.scope}] · ${w.downOf(down, checked)} · ${w.since(clockTime(i.openedAt), formatDuration(now - i.openedAt))} · ${state}${notes(i)}`);
  }
  for (const x of s.silences) lines.push(w.silence(x.scope, formatUntil(x.until, now), x.reason));
  return lines.join('\n');
}
