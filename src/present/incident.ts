/**
 * A NOC incident as people read it in chat: the root message's View (title, state, members with
 * their last verdicts, notes, buttons) and the sentences of its thread. Pure and plain text:
 * each adapter escapes and styles (Slack blocks, a Discord embed coloured by tone).
 */
import { formatDuration } from '../util/duration.js';
import { groupResolvedSentence, intakeSentence, summarySentence, tally } from './noc.js';
import type { Incident, Member, NocEvent } from '../noc/types.js';
import type { Locale } from './locale.js';
import { nocWords } from './noc-words.js';
import type { Tone, View, ViewButton, ViewField } from './view.js';
import { words } from './words.js';

/** Members listed on the root; the rest are counted ("and 12 more"). */
export const MEMBERS_SHOWN = 10;

/** `10:42` in the bot's time zone. */
export const hourMinute = (at: number): string => new Date(at).toTimeString().slice(0, 5);

function toneOfIncident(i: Incident): Tone {
  if (i.state === 'resolved') return 'good';
  return i.state === 'acked' ? 'warn' : 'bad';
}

/** "14 of 15 checked" */
export function incidentCounts(i: Incident, locale: Locale): string {
  const { down, checked } = tally(i);
  return nocWords(locale).checked(down, checked);
}

/**
 * A member's line on the root. Once resolved, a verdict from before the recovery would say
 * "no internet" about a line that is back: "back" where the recovery saw it answer, its fresh
 * verdict once checked again after it, and until then when it was last seen down.
 */
function memberValue(i: Incident, m: Member, locale: Locale): string {
  const w = nocWords(locale);
  if (!m.verdict) return w.noVerdict;
  if (i.state !== 'resolved' || i.resolvedAt === null) return words(locale).headline[m.verdict];
  if (m.health === 'up') return w.memberBack;
  if (m.health === 'down' && m.at < i.resolvedAt) return w.downBeforeRecovery(hourMinute(m.at));
  return words(locale).headline[m.verdict];
}

/** The root message of an incident as it stands at `now`. */
export function renderIncident(i: Incident, locale: Locale, now: number): View {
  const w = nocWords(locale);
  const resolved = i.state === 'resolved';
  const durationMs = (resolved ? (i.resolvedAt ?? now) : now) - i.openedAt;
  const counts = incidentCounts(i, locale);
  const title = resolved
    ? w.titleResolved(i.label, formatDuration(durationMs))
    : `${i.label} ${w.down} · ${counts} · ${w.since(hourMinute(i.openedAt), formatDuration(durationMs))}`;
  const status = resolved ? w.stateResolved(hourMinute(i.resolvedAt ?? now)) : i.state === 'acked' ? w.stateAcked(i.ackedBy ?? '?', hourMinute(i.ackedAt ?? now)) : w.stateOpen;
  // Down members first: they are what the NOC acts on.
  const members = [...i.members].sort((a, b) => Number(b.health === 'down') - Number(a.health === 'down') || a.serviceId - b.serviceId);
  const fields: ViewField[] = members.slice(0, MEMBERS_SHOWN).map((m) => ({
    label: `client-${m.serviceId} ${m.name}`.trim(),
    value: memberValue(i, m, locale),
  }));
  if (members.length > MEMBERS_SHOWN) fields.push({ label: w.more, value: w.andMore(members.length - MEMBERS_SHOWN) });
  const buttons: ViewButton[] = resolved
    ? []
    : [
        ...(i.state === 'open' ? [{ id: 'noc_ack' as const, label: w.ack, style: 'primary' as const }] : []),
        { id: 'noc_silence', label: w.silence, style: 'default' },
        { id: 'noc_check', label: w.checkNow, style: 'default' },
      ];
  return {
    title,
    status,
    verdict: null,
    tone: toneOfIncident(i),
    fields,
    meaning: null,
    warning: i.notes.length > 0 ? i.notes.join(' · ') : null,
    footer: w.footer(i.id, i.scope),
    buttons,
    final: resolved,
    text: `${title} · ${status}`,
  };
}

const names = (i: Incident, ids: readonly number[]): string =>
  ids
    .slice(0, 20)
    .map((id) => {
      const m = i.members.find((x) => x.serviceId === id);
      return `client-${id}${m?.name ? ` ${m.name}` : ''}`;
    })
    .join(', ') + (ids.length > 20 ? ` (+${ids.length - 20})` : '');

/** The thread reply (or channel note) an event becomes. */
export function eventReply(e: NocEvent, locale: Locale): string {
  const w = nocWords(locale);
  switch (e.kind) {
    case 'opened':
      return w.openedReply(e.incident.label, incidentCounts(e.incident, locale));
    case 'members_changed': {
      const parts: string[] = [];
      if (e.incident.state === 'resolved') {
        if (e.down.length > 0) parts.push(w.stillDownAfter(names(e.incident, e.down)));
        if (e.back.length > 0) parts.push(w.membersBack(names(e.incident, e.back)));
        return parts.join('\n');
      }
      if (e.down.length > 0) parts.push(w.membersDown(names(e.incident, e.down)));
      if (e.back.length > 0) parts.push(w.membersBack(names(e.incident, e.back)));
      if (parts.length === 0) return w.notesChanged(e.incident.notes.join(' · ') || incidentCounts(e.incident, locale));
      return `${parts.join('\n')}\n${w.membersNote(incidentCounts(e.incident, locale))}`;
    }
    case 'acked':
      return w.ackedReply(e.by);
    case 'reminder':
      return w.reminderReply(formatDuration(e.at - e.incident.openedAt), incidentCounts(e.incident, locale));
    case 'resolved':
      return w.resolvedReply(formatDuration(e.durationMs));
    case 'flapping':
      return w.flappingReply(e.label, e.changes, formatDuration(e.windowMs));
    case 'budget_warning':
      return w.budgetNote(e.stretched.length > 0 ? `${e.message}: ${e.stretched.join('; ')}` : e.message);
    case 'silenced':
      return w.silencedReply(e.by, hourMinute(e.until));
    case 'intake_note':
    case 'intake_resolved':
      return intakeSentence(e, locale);
    case 'intake_summary':
      return summarySentence(e, locale);
    case 'intake_group_resolved':
      return groupResolvedSentence(e, locale);
  }
}
