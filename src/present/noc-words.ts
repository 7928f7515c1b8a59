import type { Locale } from './locale.js';

/**
 * What the NOC says in chat (incident root, thread replies, button answers), in English and
 * Spanish. Plain text: adapters escape it; arguments are already formatted by the caller.
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
  /** `38 of 40 alerting lines on RB-3 answer` */
  summaryGroup: (g: SummaryCounts) => {
    const where = g.label ? ` on ${g.label}` : ' with no router known';
    const parts = [`${g.answer} of ${g.alerting} alerting ${g.alerting === 1 ? 'line' : 'lines'}${where} ${g.answer === 1 ? 'answers' : 'answer'}`];
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
  summaryGroup: (g) => {
    const where = g.label ? ` en ${g.label}` : ' sin router conocido';
    const parts = [`${g.answer} de ${g.alerting} ${g.alerting === 1 ? 'línea alertada' : 'líneas alertadas'}${where} ${g.answer === 1 ? 'responde' : 'responden'}`];
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
