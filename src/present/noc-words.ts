import type { Verdict } from '../core/verdict.js';
import type { Locale } from './locale.js';

/**
 * What the NOC says (incident root, thread replies, button answers, notes; the terminal's and
 * the log's event lines; `noc status`), in English and Spanish. Plain text: adapters escape it;
 * arguments are already formatted by the caller.
 */
const en = {
  down: 'down',
  checked: (down: number, checked: number) => (checked > 0 ? `${down} of ${checked} checked` : 'no checks yet'),
  since: (clock: string, duration: string) => `since ${clock} (${duration})`,
  titleResolved: (label: string, duration: string) => `${label} back after ${duration}`,
  stateOpen: 'Open · not acked',
  stateAcked: (by: string, clock: string) => `Acked by ${by} at ${clock}`,
  stateResolved: (clock: string) => `✅ Resolved at ${clock}`,
  andMore: (n: number) => `and ${n} more`,
  more: 'More',
  memberDown: 'down',
  memberUp: 'answers',
  noVerdict: 'not checked',
  memberBack: '✅ back',
  downBeforeRecovery: (clock: string) => `down at ${clock}; checking again`,
  stillDownAfter: (names: string) => `🔻 Still down after the recovery: ${names}`,
  footer: (id: number, scope: string) => `Incident #${id} · ${scope}`,
  ack: 'Ack',
  silence: 'Silence 1 h',
  checkNow: 'Check now',
  openedReply: (label: string, counts: string) => `🔴 ${label} is down: ${counts}. Updates follow in this thread.`,
  membersDown: (names: string) => `🔻 Down: ${names}`,
  membersBack: (names: string) => `🔺 Back: ${names}`,
  membersNote: (counts: string) => `now ${counts} down`,
  notesChanged: (notes: string) => `📝 ${notes}`,
  ackedReply: (by: string) => `👤 Acked by ${by}: reminders stop.`,
  reminderReply: (duration: string, counts: string) => `⏰ Still down after ${duration} and nobody acked it: ${counts} down.`,
  resolvedReply: (duration: string) => `✅ Back after ${duration}`,
  flappingReply: (label: string, changes: number, window: string) => `〰️ ${label} is flapping: ${changes} changes within ${window}; quiet until it settles for ${window}.`,
  budgetNote: (message: string) => `⚠️ NOC budget: ${message}`,
  silencedReply: (by: string, until: string) => `🔕 Silenced by ${by} until ${until}: no new alerts or reminders for this scope (the recovery still comes).`,
  checkNowStarted: (by: string, n: number) => `🔎 ${by} asked for a fresh check of ${n} ${n === 1 ? 'client' : 'clients'}…`,
  checkNowResult: (lines: string) => `🔎 Fresh check:\n${lines}`,
  checkNowBusy: 'A fresh check of this incident is already running; its results come in the thread.',
  askAdmin: 'Only a pingops admin (PINGOPS_ADMINS) can silence alerts: ask an admin.',
  alreadyResolved: 'This incident is already resolved.',
  alreadyAcked: (by: string) => `Already acked by ${by}.`,
  acked: 'Acked: reminders stop.',
  silenced: (until: string) => `Silenced until ${until}.`,
  notRunning: 'The NOC watcher is not running in this process; try again in a minute.',
  nothingToCheck: 'This incident has no clients to check.',
  /** One line per event (terminal, `pingops noc`, the log) and the alert-intake sentences. */
  line: {
    down: 'DOWN',
    update: 'UPDATE',
    afterRecovery: 'AFTER RECOVERY',
    ack: 'ACK',
    stillDown: 'STILL DOWN',
    back: 'BACK',
    flapping: 'FLAPPING',
    silenced: 'SILENCED',
    budget: 'BUDGET',
    note: 'NOTE',
    alertResolved: 'ALERT RESOLVED',
    alertsResolved: 'ALERTS RESOLVED',
    checkedDown: (down: number, checked: number) => (checked > 0 ? `${down} of ${checked} checked down` : 'no checks yet'),
    clientDown: (id: number) => `client ${id} down`,
    clientBack: (id: number) => `client ${id} back`,
    by: (who: string) => `by ${who}`,
    until: (clock: string) => `until ${clock}`,
    after: (duration: string) => `after ${duration}`,
    notAcked: (duration: string) => `for ${duration}, not acked`,
    flappingWhy: (changes: number, window: string) => `${changes} changes within ${window}; quiet until it settles for ${window}`,
    verdict: { stable: 'stable', intermittent: 'intermittent', no_internet: 'no internet', antenna_only: 'antenna only', failed: 'failed', timed_out: 'timed out', cancelled: 'cancelled' } as Record<Verdict, string>,
    noVerdict: 'no verdict',
    loss: (pct: string) => `${pct} loss`,
    resolvedStillDown: (head: string, verdict: string) => `${head} resolved, but the line still does not answer: ${verdict}`,
    resolvedAnswers: (head: string, verdict: string) => `${head} resolved; the line answers: ${verdict}`,
    resolvedUnknown: (head: string, verdict: string) => `${head} resolved; our check could not tell (${verdict})`,
    answers: (head: string, verdict: string) => `${head}, but the line answers: ${verdict}`,
    senderSaid: (sentence: string, reason: string) => `${sentence} (sender: "${reason}")`,
    resolvedPremises: (head: string, verdict: string) => `${head} resolved, but the customer's device still does not answer, only the sector antenna (a fault at the premises): ${verdict}`,
    premises: (head: string, verdict: string) => `${head}: confirmed at the premises: the customer's device does not answer, only the sector antenna (${verdict}); not a network outage, no incident opened`,
    onHold: (head: string) => `${head}: the line is on a billing hold (suspended or past its cut-off date), no incident opened`,
    unknown: (head: string, verdict: string) => `${head}: our check could not tell (${verdict}), no incident opened`,
    noClient: (head: string, problem: string | null) => `${head}: ${problem ?? 'no such client'}; nothing checked (check the alert's client label or tag)`,
  },
  /** `noc status`. */
  status: {
    plan: (summary: string) => `Plan: ${summary}`,
    stretched: (what: string) => `stretched: ${what}`,
    round: (n: number, last: string | null, used: number, budget: number, pct: number, cost: number) =>
      `Round ${n}${last !== null ? `, last took ${last}` : ''}; budget in use ${used} of ${budget} req/min (${pct} %), ${cost} requests per check`,
    watchingNothing: 'Watching nothing: add with `npx pingops watch add <client|router:N|zone:N|all>`.',
    watching: 'Watching:',
    every: (interval: string) => `every ${interval}`,
    groups: 'Groups:',
    groupDown: 'DOWN',
    groupUp: 'up  ',
    groupClients: (clients: number, candidates: number) => `${clients} clients, ${candidates} may be sampled`,
    andMore: (n: number) => `… and ${n} more`,
    single: 'Clients watched one by one:',
    onHold: 'billing hold (not checked)',
    clientStatus: { up: 'up', down: 'down', unknown: 'unknown' } as Record<'up' | 'down' | 'unknown', string>,
    noOpen: 'No open incidents.',
    open: 'Open incidents:',
    ackedBy: (who: string) => `acked by ${who}`,
    stateOpen: 'open',
    heldBack: 'open (held back: silenced or flapping)',
    downOf: (down: number, checked: number) => `${down} of ${checked} down`,
    since: (clock: string, duration: string) => `since ${clock} (${duration})`,
    silence: (scope: string, until: string, reason: string | null) => `Silenced: ${scope} until ${until}${reason ? ` (${reason})` : ''}`,
  },
  /** `38 of 40 alerting lines on RB-3 answer` */
  summaryGroup: (g: SummaryCounts) => {
    const where = g.label ? ` on ${g.label}` : ' with no router known';
    const parts = [`${g.answer} of ${g.alerting} alerting ${g.alerting === 1 ? 'line' : 'lines'}${where} ${g.answer === 1 ? 'answers' : 'answer'}`];
    if (g.premises > 0) parts.push(`${g.premises} confirmed at the premises (antenna only: the customer's device does not answer)`);
    if (g.unknown > 0) parts.push(`${g.unknown} could not be told`);
    if (g.onHold > 0) parts.push(`${g.onHold} on a billing hold`);
    return parts.join(', ');
  },
  summary: (head: string, groups: string[]) => `${head}: ${groups.join('; ')} (the sender says down, our ping says they answer: no incident opened)`,
  groupResolved: (head: string, alerts: number, checked: number, answer: number) =>
    checked === 0
      ? `${head}: ${alerts} alerts resolved; nothing needed a re-check`
      : answer === checked
        ? `${head}: ${alerts} alerts resolved; re-checked ${checked}, all answer`
        : `${head}: ${alerts} alerts resolved, but ${checked - answer} of ${checked} re-checked still do not answer`,
};

/** One router's counts in an intake summary. */
export interface SummaryCounts {
  label: string | null;
  alerting: number;
  answer: number;
  premises: number;
  unknown: number;
  onHold: number;
}

export type NocWords = typeof en;

const es: NocWords = {
  down: 'caído',
  checked: (down, checked) => (checked > 0 ? `${down} de ${checked} comprobados` : 'sin comprobaciones aún'),
  since: (clock, duration) => `desde las ${clock} (${duration})`,
  titleResolved: (label, duration) => `${label} volvió tras ${duration}`,
  stateOpen: 'Abierto · sin atender',
  stateAcked: (by, clock) => `Atendido por ${by} a las ${clock}`,
  stateResolved: (clock) => `✅ Resuelto a las ${clock}`,
  andMore: (n) => `y ${n} más`,
  more: 'Más',
  memberDown: 'caído',
  memberUp: 'responde',
  noVerdict: 'sin comprobar',
  memberBack: '✅ volvió',
  downBeforeRecovery: (clock) => `caído a las ${clock}; comprobando de nuevo`,
  stillDownAfter: (names) => `🔻 Siguen caídos tras la recuperación: ${names}`,
  footer: (id, scope) => `Incidente #${id} · ${scope}`,
  ack: 'Atender',
  silence: 'Silenciar 1 h',
  checkNow: 'Comprobar ahora',
  openedReply: (label, counts) => `🔴 ${label} está caído: ${counts}. Las novedades siguen en este hilo.`,
  membersDown: (names) => `🔻 Caídos: ${names}`,
  membersBack: (names) => `🔺 Volvieron: ${names}`,
  membersNote: (counts) => `ahora ${counts} caídos`,
  notesChanged: (notes) => `📝 ${notes}`,
  ackedReply: (by) => `👤 Atendido por ${by}: no habrá más recordatorios.`,
  reminderReply: (duration, counts) => `⏰ Sigue caído tras ${duration} y nadie lo atendió: ${counts} caídos.`,
  resolvedReply: (duration) => `✅ Volvió tras ${duration}`,
  flappingReply: (label, changes, window) => `〰️ ${label} oscila: ${changes} cambios en ${window}; silencio hasta que se calme durante ${window}.`,
  budgetNote: (message) => `⚠️ Presupuesto del NOC: ${message}`,
  silencedReply: (by, until) => `🔕 Silenciado por ${by} hasta las ${until}: sin alertas nuevas ni recordatorios para este alcance (la recuperación sí llega).`,
  checkNowStarted: (by, n) => `🔎 ${by} pidió una comprobación nueva de ${n} ${n === 1 ? 'cliente' : 'clientes'}…`,
  checkNowResult: (lines) => `🔎 Comprobación nueva:\n${lines}`,
  checkNowBusy: 'Ya hay una comprobación nueva de este incidente en curso; los resultados llegan al hilo.',
  askAdmin: 'Solo un administrador de pingops (PINGOPS_ADMINS) puede silenciar alertas: pídeselo a un administrador.',
  alreadyResolved: 'Este incidente ya está resuelto.',
  alreadyAcked: (by) => `Ya lo atendió ${by}.`,
  acked: 'Atendido: no habrá más recordatorios.',
  silenced: (until) => `Silenciado hasta las ${until}.`,
  notRunning: 'El vigilante del NOC no corre en este proceso; inténtalo en un minuto.',
  nothingToCheck: 'Este incidente no tiene clientes que comprobar.',
  line: {
    down: 'CAÍDO',
    update: 'NOVEDAD',
    afterRecovery: 'TRAS LA RECUPERACIÓN',
    ack: 'ATENDIDO',
    stillDown: 'SIGUE CAÍDO',
    back: 'VOLVIÓ',
    flapping: 'OSCILA',
    silenced: 'SILENCIADO',
    budget: 'PRESUPUESTO',
    note: 'NOTA',
    alertResolved: 'ALERTA RESUELTA',
    alertsResolved: 'ALERTAS RESUELTAS',
    checkedDown: (down, checked) => (checked > 0 ? `${down} de ${checked} comprobados caídos` : 'sin comprobaciones aún'),
    clientDown: (id) => `cliente ${id} caído`,
    clientBack: (id) => `cliente ${id} volvió`,
    by: (who) => `por ${who}`,
    until: (clock) => `hasta ${clock}`,
    after: (duration) => `tras ${duration}`,
    notAcked: (duration) => `desde hace ${duration}, sin atender`,
    flappingWhy: (changes, window) => `${changes} cambios en ${window}; silencio hasta que se calme durante ${window}`,
    verdict: { stable: 'estable', intermittent: 'intermitente', no_internet: 'sin internet', antenna_only: 'solo antena', failed: 'falló', timed_out: 'sin respuesta a tiempo', cancelled: 'cancelada' },
    noVerdict: 'sin veredicto',
    loss: (pct) => `${pct} de pérdida`,
    resolvedStillDown: (head, verdict) => `${head} resuelta, pero la línea sigue sin responder: ${verdict}`,
    resolvedAnswers: (head, verdict) => `${head} resuelta; la línea responde: ${verdict}`,
    resolvedUnknown: (head, verdict) => `${head} resuelta; nuestra comprobación no pudo decir (${verdict})`,
    answers: (head, verdict) => `${head}, pero la línea responde: ${verdict}`,
    senderSaid: (sentence, reason) => `${sentence} (remitente: "${reason}")`,
    resolvedPremises: (head, verdict) => `${head} resuelta, pero el equipo del cliente sigue sin responder, solo la antena sectorial (falla en el domicilio): ${verdict}`,
    premises: (head, verdict) => `${head}: confirmada en el domicilio: el equipo del cliente no responde, solo la antena sectorial (${verdict}); no es una caída de red, sin incidente`,
    onHold: (head) => `${head}: la línea tiene bloqueo por pago (suspendida o pasada su fecha de corte), sin incidente`,
    unknown: (head, verdict) => `${head}: nuestra comprobación no pudo decir (${verdict}), sin incidente`,
    noClient: (head, problem) => `${head}: ${problem ?? 'no existe ese cliente'}; nada comprobado (revisa la etiqueta o el tag de cliente de la alerta)`,
  },
  status: {
    plan: (summary) => `Plan: ${summary}`,
    stretched: (what) => `estirado: ${what}`,
    round: (n, last, used, budget, pct, cost) =>
      `Ronda ${n}${last !== null ? `, la última tardó ${last}` : ''}; presupuesto en uso ${used} de ${budget} pet/min (${pct} %), ${cost} peticiones por comprobación`,
    watchingNothing: 'No se vigila nada: añade con `npx pingops watch add <cliente|router:N|zone:N|all>`.',
    watching: 'Vigilando:',
    every: (interval) => `cada ${interval}`,
    groups: 'Grupos:',
    groupDown: 'CAÍDO',
    groupUp: 'arriba',
    groupClients: (clients, candidates) => `${clients} clientes, ${candidates} muestreables`,
    andMore: (n) => `… y ${n} más`,
    single: 'Clientes vigilados uno a uno:',
    onHold: 'bloqueo por pago (sin comprobar)',
    clientStatus: { up: 'arriba', down: 'caído', unknown: 'sin dato' },
    noOpen: 'Sin incidentes abiertos.',
    open: 'Incidentes abiertos:',
    ackedBy: (who) => `atendido por ${who}`,
    stateOpen: 'abierto',
    heldBack: 'abierto (retenido: silenciado u oscilando)',
    downOf: (down, checked) => `${down} de ${checked} caídos`,
    since: (clock, duration) => `desde las ${clock} (${duration})`,
    silence: (scope, until, reason) => `Silenciado: ${scope} hasta ${until}${reason ? ` (${reason})` : ''}`,
  },
  summaryGroup: (g) => {
    const where = g.label ? ` en ${g.label}` : ' sin router conocido';
    const parts = [`${g.answer} de ${g.alerting} ${g.alerting === 1 ? 'línea alertada' : 'líneas alertadas'}${where} ${g.answer === 1 ? 'responde' : 'responden'}`];
    if (g.premises > 0) parts.push(`${g.premises} confirmadas en el domicilio (solo antena: el equipo del cliente no responde)`);
    if (g.unknown > 0) parts.push(`${g.unknown} sin poder decir`);
    if (g.onHold > 0) parts.push(`${g.onHold} con bloqueo por pago`);
    return parts.join(', ');
  },
  summary: (head, groups) => `${head}: ${groups.join('; ')} (el remitente dice caída, nuestro ping dice que responden: sin incidente)`,
  groupResolved: (head, alerts, checked, answer) =>
    checked === 0
      ? `${head}: ${alerts} alertas resueltas; nada necesitaba comprobarse de nuevo`
      : answer === checked
        ? `${head}: ${alerts} alertas resueltas; comprobadas de nuevo ${checked}, todas responden`
        : `${head}: ${alerts} alertas resueltas, pero ${checked - answer} de ${checked} comprobadas de nuevo siguen sin responder`,
};

/** The NOC's sentences in `locale`. */
export function nocWords(locale: Locale): NocWords {
  return locale === 'es' ? es : en;
}
