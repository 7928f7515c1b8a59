import type { CheckState, DoneState } from '../core/check-state.js';
import type { ClientRecord } from '../core/client.js';
import type { Fault } from '../core/errors.js';
import { classifyPaymentStatus, foldPaymentWord } from '../core/payment-status.js';
import type { Verdict } from '../core/verdict.js';
import type { Target, TargetError } from '../directory/types.js';
import { firstLine, formatCop, formatElapsed, formatEta, formatLossPct, formatRttMs, isoDate, oneLine, shortTaskId, todayIso } from './format.js';
import type { Locale } from './locale.js';
import type { Tone, View, ViewButton, ViewField } from './view.js';
import { words, type FaultAdvice, type FaultPhrase, type Words } from './words.js';

/** Options of `renderCheck`. */
export interface RenderOptions {
  /** "Today" for the cut-off rule; defaults to Date.now(). */
  now?: number;
  /** The configured wait before the first poll, so `created` can say when it comes. */
  initialDelayMs?: number;
  /** The check's deadline from its start: a running status says when it gives up. */
  timeoutMs?: number;
}

/** A deadline as people say it: `60 s` up to two minutes, then `5 min`. */
function deadlineText(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

/** How many clients an ambiguity answer lists before "and N more". */
const AMBIGUOUS_SHOWN = 5;
/** A client name in a title: long enough for any real name, short enough for a notification. */
const TITLE_NAME_MAX = 80;
/** Who cancelled, as shown after "Cancelled by". */
const BY_MAX = 60;

const VERDICT_TONE: Record<Verdict, Tone> = {
  stable: 'good',
  intermittent: 'warn',
  antenna_only: 'warn',
  no_internet: 'bad',
  failed: 'critical',
  timed_out: 'critical',
  cancelled: 'neutral',
};

/** The colour family of a state: grey while running, then by verdict. */
export function toneOf(state: CheckState): Tone {
  return state.kind === 'done' ? VERDICT_TONE[state.verdict] : 'running';
}

/** Which phrase names a fault for a technician. */
export function faultPhraseOf(fault: Fault): FaultPhrase {
  switch (fault.kind) {
    case 'invalid':
    case 'rejected':
      return 'refused';
    default:
      return fault.kind;
  }
}

/** What to do about a check that ended on a fault. */
export function faultAdviceOf(fault: Fault): FaultAdvice {
  switch (fault.kind) {
    case 'auth':
      return 'credentials';
    case 'unexpected':
      return 'refused';
    case 'not_found':
      return 'unknown_service';
    case 'invalid':
    case 'rejected':
      return 'refused';
    default:
      return 'retry_later';
  }
}

/** A fault in a technician's words, with the HTTP status when there was one. */
export function describeFault(fault: Fault, locale: Locale): string {
  const w = words(locale);
  const phrase = w.fault[faultPhraseOf(fault)];
  return fault.status !== null ? w.httpStatus(phrase, fault.status) : phrase;
}

/** The billing situation of a client, when it may explain an outage. */
export type BillingHold =
  | { kind: 'none' }
  | { kind: 'suspended'; status: string; cutOff: string | null; balance: number | null }
  | { kind: 'cut_off_past'; cutOff: string; balance: number | null };

/**
 * Whether a client is on a billing hold: a payment status known to mean a hold (`Suspendido`,
 * `cortado`, `moroso`, ...; see core/payment-status), or a cut-off date before today for a
 * client not known to be free or cancelled. An unknown status or malformed date raises
 * nothing: a false warning would send a technician to the billing office for a real fault.
 */
export function billingHold(client: ClientRecord | null, now: number): BillingHold {
  if (!client) return { kind: 'none' };
  const status = client.paymentStatus?.trim() ?? '';
  const cutOff = isoDate(client.cutOffDate);
  const balance = client.outstandingBalance !== null && client.outstandingBalance > 0 ? client.outstandingBalance : null;
  const cls = classifyPaymentStatus(status);
  if (cls === 'hold') return { kind: 'suspended', status, cutOff, balance };
  if (cls === 'free' || cls === 'cancelled') return { kind: 'none' };
  if (cutOff !== null && cutOff < todayIso(now)) return { kind: 'cut_off_past', cutOff, balance };
  return { kind: 'none' };
}

function billingDetails(w: Words, cutOff: string | null, balance: number | null): string {
  const parts: string[] = [];
  if (cutOff) parts.push(w.billingCutOff(cutOff));
  if (balance !== null) parts.push(w.billingBalance(formatCop(balance)));
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** The billing warning line, or null when billing cannot explain an outage. */
export function billingWarning(hold: BillingHold, locale: Locale): string | null {
  const w = words(locale);
  switch (hold.kind) {
    case 'none':
      return null;
    case 'suspended':
      return w.billingSuspended(oneLine(paymentWord(w, hold.status), 40), billingDetails(w, hold.cutOff, hold.balance));
    case 'cut_off_past':
      return w.billingCutOffPast(billingDetails(w, hold.cutOff, hold.balance));
  }
}

/** "{name} · {id}", or "Service {id}" without a usable client. */
export function titleOf(serviceId: number, client: ClientRecord | null, locale: Locale): string {
  const name = oneLine(client?.name ?? '', TITLE_NAME_MAX);
  return name ? `${name} · ${serviceId}` : words(locale).serviceTitle(serviceId);
}

/** The one-line status of a state. */
export function statusOf(state: CheckState, locale: Locale, opts: { initialDelayMs?: number } = {}): string {
  const w = words(locale);
  const t = (ms: number) => formatElapsed(ms, locale);
  switch (state.kind) {
    case 'starting':
      return w.starting;
    case 'queued':
      return w.queued(state.ahead, formatEta(state.etaMs));
    case 'created':
      return opts.initialDelayMs !== undefined ? w.createdIn(t(opts.initialDelayMs)) : w.createdWaiting;
    case 'polling':
      return w.polling(state.attempt, t(state.elapsedMs), t(state.nextPollInMs));
    case 'retrying':
      return w.retrying(describeFault(state.fault, locale), t(state.retryInMs), state.attempt);
    case 'done':
      return doneHeadline(state, locale);
  }
}

/** "0 % loss · 23 ms" when the provider measured them (WispHub direct), else null. */
export function measuredOf(state: DoneState, locale: Locale): string | null {
  const w = words(locale);
  const parts = [
    state.lossPct !== null ? w.loss(formatLossPct(state.lossPct, locale)) : null,
    state.rttMs !== null ? formatRttMs(state.rttMs, locale) : null,
  ];
  const text = joinPresent(parts);
  return text === '' ? null : text;
}

/** WispHub's general-fault flag on the client's router, as a warning line; null when off. */
export function generalFaultWarning(client: ClientRecord | null, locale: Locale): string | null {
  const router = client?.router;
  if (!router || router.generalFault === null) return null;
  const description = oneLine(router.generalFault, 200);
  return words(locale).generalFault(oneLine(router.name, 60), description === '' ? null : description);
}

function doneHeadline(state: DoneState, locale: Locale): string {
  const w = words(locale);
  const measured = state.reason.kind === 'verdict' ? measuredOf(state, locale) : null;
  const headline = measured ? `${w.headline[state.verdict]} · ${measured}` : w.headline[state.verdict];
  switch (state.reason.kind) {
    case 'error':
      return `${headline}: ${describeFault(state.reason.fault, locale)}`;
    case 'cancelled':
      if (state.reason.shutdown) return w.cancelledShutdown(headline);
      return state.reason.by ? w.cancelledBy(headline, oneLine(state.reason.by, BY_MAX)) : headline;
    case 'busy':
      return `${headline}: ${w.busy(formatEta(state.reason.retryAfterMs))}`;
    default:
      return headline;
  }
}

/** What the verdict means for the visit; billing explains a dead line when there is a hold. */
export function meaningOf(state: DoneState, hold: BillingHold, locale: Locale): string {
  const w = words(locale);
  if (state.reason.kind === 'error') return w.faultAdvice[faultAdviceOf(state.reason.fault)];
  if (state.reason.kind === 'busy') return w.busyAdvice;
  // No task id: nothing can "still be running" on the line.
  if (state.verdict === 'timed_out' && state.taskId === null) return w.timedOutNoTask;
  if (state.verdict === 'no_internet' && hold.kind !== 'none') return w.noInternetBilling;
  return w.meaning[state.verdict];
}

function joinPresent(parts: (string | null | undefined)[], sep = ' · '): string {
  return parts.map((p) => p?.trim() ?? '').filter((p) => p !== '').join(sep);
}

/**
 * Client cards already rendered, per record and language: a running check is redrawn every
 * tick with the same card, and building it was the largest allocation of a render.
 */
const cards = new WeakMap<ClientRecord, Partial<Record<Locale, readonly ViewField[]>>>();

/** The client card: only what is known, each value capped. The same array for the same record and language: do not change it. */
export function clientFields(client: ClientRecord | null, locale: Locale): readonly ViewField[] {
  if (!client) return [];
  let byLocale = cards.get(client);
  const hit = byLocale?.[locale];
  if (hit) return hit;
  const fields = buildClientFields(client, locale);
  if (!byLocale) cards.set(client, (byLocale = {}));
  byLocale[locale] = fields;
  return fields;
}

function buildClientFields(client: ClientRecord, locale: Locale): readonly ViewField[] {
  const w = words(locale);
  const fields: ViewField[] = [];
  const add = (label: string, value: string) => {
    const clean = oneLine(value);
    if (clean !== '') fields.push({ label, value: clean });
  };
  add(w.labelService, String(client.serviceId));
  add(w.labelAddress, joinPresent([client.address, client.locality, client.city]));
  add(w.labelPlan, joinPresent([client.planName, client.planPrice !== null ? formatCop(client.planPrice) : null]));
  add(w.labelAntenna, client.antennaIp ?? '');
  const cutOff = client.cutOffDate?.trim() ? w.billingCutOff(client.cutOffDate.trim()) : null;
  const balance =
    client.outstandingBalance !== null && client.outstandingBalance > 0 ? w.billingBalance(formatCop(client.outstandingBalance)) : null;
  add(w.labelPayment, joinPresent([client.paymentStatus === null ? null : paymentWord(w, client.paymentStatus), cutOff, balance]));
  add(w.labelZone, client.zoneName ?? (client.zoneId !== null ? String(client.zoneId) : ''));
  add(w.labelRouter, client.router?.name ?? '');
  add(w.labelSector, client.sector?.name ?? '');
  return fields;
}

/** WispHub's payment status in the reader's words (`Suspendido` → `suspended`), or as sent when unknown. */
function paymentWord(w: Words, status: string): string {
  const cls = classifyPaymentStatus(status);
  if (cls === 'unknown') return status;
  // A cut line is a hold, but people say "cut", not "suspended".
  return cls === 'hold' && /^(cut|cort)/u.test(foldPaymentWord(status)) ? w.paymentCut : w.paymentClasses[cls];
}

function footerOf(state: CheckState, locale: Locale): string {
  const w = words(locale);
  const taskId = state.kind === 'starting' || state.kind === 'queued' ? null : state.taskId;
  return joinPresent([
    taskId ? w.footerTask(shortTaskId(taskId)) : null,
    state.kind === 'done' ? w.footerPolls(state.polls) : null,
    formatElapsed(state.elapsedMs, locale),
    state.kind === 'done' && state.cached ? w.footerCached : null,
  ]);
}

function buttonsOf(final: boolean, locale: Locale): ViewButton[] {
  const w = words(locale);
  return final
    ? [{ id: 'rerun', label: w.buttonRerun, style: 'primary' }]
    : [{ id: 'cancel', label: w.buttonCancel, style: 'danger' }];
}

/** The detail a done state carries: the API's own message, or what the fault said (first line only). */
function detailOf(state: DoneState): string | null {
  const raw = state.reason.kind === 'error' ? state.reason.fault.message : state.message;
  const line = raw ? firstLine(raw) : '';
  return line === '' ? null : line;
}

/**
 * What one status message shows for a check state. Every string is plain, unescaped text:
 * client data and API messages pass through verbatim so each adapter escapes exactly once.
 */
export function renderCheck(state: CheckState, client: ClientRecord | null, locale: Locale, opts: RenderOptions = {}): View {
  const w = words(locale);
  const hold = billingHold(client, opts.now ?? Date.now());
  const title = titleOf(state.serviceId, client, locale);
  const statusOpts = opts.initialDelayMs !== undefined ? { initialDelayMs: opts.initialDelayMs } : {};
  const running = statusOf(state, locale, statusOpts);
  const status = state.kind !== 'done' && opts.timeoutMs !== undefined ? `${running} · ${w.givesUpAt(deadlineText(opts.timeoutMs))}` : running;
  const final = state.kind === 'done';
  const card = clientFields(client, locale);
  const detail = state.kind === 'done' ? detailOf(state) : null;
  const fields = detail ? [...card, { label: w.labelDetail, value: detail }] : [...card];
  return {
    title,
    status,
    verdict: state.kind === 'done' ? state.verdict : null,
    tone: toneOf(state),
    fields,
    meaning: state.kind === 'done' ? meaningOf(state, hold, locale) : null,
    warning: joinPresent([generalFaultWarning(client, locale), billingWarning(hold, locale)], ' ') || null,
    footer: footerOf(state, locale),
    buttons: buttonsOf(final, locale),
    final,
    text: `${title}: ${status}`,
  };
}

/**
 * One line announcing a verdict, e.g. "Ana Morales · 1001: ✅ Stable connection — the
 * customer's device answers." No mention: the adapter adds whom to notify.
 */
export function renderVerdictNotice(
  done: DoneState,
  client: ClientRecord | null,
  locale: Locale,
  opts: { now?: number } = {},
): string {
  const w = words(locale);
  const title = titleOf(done.serviceId, client, locale);
  let clause: string;
  if (done.reason.kind === 'error') clause = describeFault(done.reason.fault, locale);
  else if (done.reason.kind === 'busy') clause = w.busy(formatEta(done.reason.retryAfterMs));
  else if (done.verdict === 'no_internet' && billingHold(client, opts.now ?? Date.now()).kind !== 'none') clause = w.shortNoInternetBilling;
  else clause = w.short[done.verdict];
  const measured = done.reason.kind === 'verdict' ? measuredOf(done, locale) : null;
  return `${title}: ${w.headline[done.verdict]}${measured ? ` (${measured})` : ''} — ${clause}.`;
}

/** How to use /ping, with examples. */
export function usageText(locale: Locale): string {
  return words(locale).usage;
}

/** Usage plus what each verdict means and what the buttons do. */
export function helpText(locale: Locale, opts: { buttons?: boolean } = {}): string {
  const w = words(locale);
  const legend = (['stable', 'intermittent', 'no_internet', 'antenna_only', 'failed', 'timed_out', 'cancelled'] as const).map(
    (v) => `${w.headline[v]} — ${w.short[v]}`,
  );
  // Surfaces without buttons (the shell, the CLI) leave out the line that explains them.
  const buttons = opts.buttons === false ? [] : ['', w.helpButtons];
  return [w.helpIntro, '', w.usage, '', w.helpLegend, ...legend, ...buttons].join('\n');
}

/** Why what was typed is not a target (or the packet count is wrong). */
export function targetErrorText(reason: TargetError | 'bad_packets' | 'one_client' | 'extra_numbers', locale: Locale): string {
  return words(locale).targetError[reason];
}

/** "Client 9999 not found." / "No client matches “Ana Mora”." */
export function notFoundText(target: Target, locale: Locale): string {
  const w = words(locale);
  switch (target.kind) {
    case 'service_id':
      return w.notFoundId(target.serviceId);
    case 'phone':
      return w.notFoundPhone(target.phone);
    case 'document':
      return w.notFoundDocument(target.document);
    case 'name':
      return w.notFoundName(target.query);
  }
}

/** Lists the first few matches as "name · id · address" and asks for the service id. */
export function ambiguousText(matches: ClientRecord[], locale: Locale): string {
  const w = words(locale);
  const shown = matches.slice(0, AMBIGUOUS_SHOWN);
  const lines = shown.map(
    (c) => `• ${joinPresent([oneLine(c.name, TITLE_NAME_MAX), String(c.serviceId), c.address ? oneLine(c.address, 80) : null])}`,
  );
  const more = matches.length - shown.length;
  return [w.ambiguous(matches.length, shown[0]?.serviceId ?? 1001), ...lines, ...(more > 0 ? [w.ambiguousMore(more)] : [])].join('\n');
}

/** The client look-ups are down: say so and suggest the service id. */
export function unavailableText(locale: Locale): string {
  return words(locale).unavailable;
}

/** The answer when the Ping API refuses our credentials: nobody can check anything until an admin acts. */
export function authRefusedText(locale: Locale): string {
  return words(locale).authRefused;
}

/** The look-up answered another client than the one typed: nothing is pinged. */
export function mismatchText(typed: number, answered: number, locale: Locale): string {
  return words(locale).lookupMismatch(typed, answered);
}
