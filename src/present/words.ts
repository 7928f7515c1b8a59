import type { PaymentClass } from '../core/payment-status.js';
import type { Verdict } from '../core/verdict.js';
import type { Locale } from './locale.js';

/**
 * Every sentence the bot says in chat, in English and Spanish. `en` defines the keys and the
 * argument types; `es` is typed as `Words`, so a key missing or mistyped in either language is
 * a compile error. All output is plain text: adapters escape it for their platform.
 * Arguments are already formatted (durations, money) by the caller, so words stay logic-free.
 */

type VerdictWords = Record<Verdict, string>;

/** Fault families as a technician understands them (see render.ts for the mapping). */
export type FaultPhrase =
  | 'network'
  | 'timeout'
  | 'server'
  | 'rate_limited'
  | 'malformed'
  | 'auth'
  | 'not_found'
  | 'refused'
  | 'unexpected'
  | 'internal';

/** What a failed check means for the visit, by what failed. */
export type FaultAdvice = 'retry_later' | 'credentials' | 'unknown_service' | 'refused';

const en = {
  serviceTitle: (id: number) => `Service ${id}`,

  starting: 'Creating the ping task…',
  createdIn: (firstPoll: string) => `Task created · first poll in ${firstPoll}`,
  createdWaiting: 'Task created · waiting for the first poll',
  polling: (attempt: number, elapsed: string, next: string) => `Waiting for the verdict · poll ${attempt} in ${next} · ${elapsed} so far`,
  givesUpAt: (deadline: string) => `gives up at ${deadline}`,
  retrying: (fault: string, retryIn: string, attempt: number) => `${fault} · retrying in ${retryIn} · attempt ${attempt}`,
  cancelledBy: (headline: string, by: string) => `${headline} by ${by}`,
  cancelledShutdown: (headline: string) => `${headline}: the bot was restarting`,
  queued: (ahead: number, eta: string) =>
    ahead === 0 ? `Queued: next in line, about ${eta}` : `Queued: ${ahead} ${ahead === 1 ? 'check' : 'checks'} ahead of you, about ${eta}`,
  busy: (retryIn: string) => `Busy: too many checks waiting for the Ping API; try again in ${retryIn}`,
  busyAdvice: 'The line was not tested and no task was created. Too many checks are waiting for the Ping API’s request budget; try again later.',

  headline: {
    stable: '✅ Stable connection',
    intermittent: '⚠️ Intermittent connection',
    no_internet: '🔴 No internet',
    antenna_only: '📡 Antenna only',
    failed: '❌ Ping failed',
    timed_out: '⏱️ Timed out',
    cancelled: '⏹️ Cancelled',
  } satisfies VerdictWords,

  /** One clause per verdict, for notices and the legend. */
  short: {
    stable: "the customer's device answers",
    intermittent: 'partial packet loss',
    no_internet: 'nothing answers',
    antenna_only: "the sector antenna answers, the customer's device does not",
    failed: 'the router could not run the ping',
    timed_out: 'no verdict within the deadline',
    cancelled: 'stopped before a verdict',
  } satisfies VerdictWords,

  meaning: {
    stable:
      "The customer's device answers and the line is up. If they still complain, look at their Wi-Fi or their own equipment.",
    intermittent:
      'Partial packet loss: the link is up but unreliable. Check the signal level, antenna alignment, interference and cabling.',
    no_internet: 'Nothing answers. Check power at the premises, the radio link and the sector.',
    antenna_only:
      "The sector antenna answers but the customer's device does not: the fault is at the premises (power, cable, router), not the network.",
    failed: 'The router could not run the ping (interface or configuration problem). Escalate to the NOC; no truck roll yet.',
    timed_out: 'No verdict within the deadline; the task may still be running. Re-run it, or escalate if it keeps happening.',
    cancelled: 'The check was cancelled before a verdict: nothing was concluded about the line.',
  } satisfies VerdictWords,
  timedOutNoTask: 'The Ping API did not create the task within the deadline, so nothing ran on the line. Re-run it, or escalate if it keeps happening.',
  noInternetBilling:
    'Nothing answers, and the service is on a billing hold: billing, not the network, explains it. Confirm the payment with the office before sending a technician.',
  shortNoInternetBilling: 'nothing answers; billing, not the network, explains it',

  fault: {
    network: 'Ping API unreachable',
    timeout: 'Ping API not answering (timeout)',
    server: 'Ping API unavailable',
    rate_limited: 'Ping API busy (rate limit)',
    malformed: 'Unexpected answer from the Ping API',
    auth: 'The Ping API rejected our credentials',
    not_found: 'Service not found on the Ping API',
    refused: 'The Ping API refused the task',
    unexpected: 'Unexpected answer from the Ping API',
    internal: 'Internal error in the bot',
  } satisfies Record<FaultPhrase, string>,
  httpStatus: (phrase: string, status: number) => `${phrase} (HTTP ${status})`,
  faultAdvice: {
    retry_later: 'The line was not tested. Try again in a minute; if it keeps failing, tell whoever runs the Ping API.',
    credentials: "The line was not tested: the bot's Ping API credentials need fixing. Tell the bot's administrator.",
    unknown_service: 'The line was not tested: the Ping API does not know this service id. Check the id in WispHub.',
    refused: 'The line was not tested. Check that the service exists and is active in WispHub, or escalate to the NOC.',
  } satisfies Record<FaultAdvice, string>,

  billingSuspended: (status: string, details: string) =>
    `Billing hold: payment status “${status}”${details}. If there is no internet, billing, not the network, explains it.`,
  billingCutOffPast: (details: string) =>
    `Cut-off date passed${details}: the service may be cut for non-payment. If there is no internet, billing, not the network, explains it.`,
  billingCutOff: (date: string) => `cut-off ${date}`,
  /** WispHub's payment words as people say them; unknown ones are shown as WispHub sends them. */
  paymentCut: 'cut off',
  paymentClasses: { ok: 'active', hold: 'suspended', cancelled: 'cancelled', free: 'free' } satisfies Record<Exclude<PaymentClass, 'unknown'>, string>,
  billingBalance: (amount: string) => `balance ${amount}`,

  labelService: 'Service',
  labelAddress: 'Address',
  labelPlan: 'Plan',
  labelAntenna: 'Antenna',
  labelPayment: 'Payment',
  labelZone: 'Zone',
  labelDetail: 'Detail',
  labelRouter: 'Router',
  labelSector: 'Sector',
  /** "0 % loss" */
  loss: (pct: string) => `${pct} loss`,
  /** WispHub's "general fault" flag on the line's router. */
  generalFault: (router: string, description: string | null) => `${router}: general fault reported${description ? `: ${description}` : ''}.`,

  footerTask: (id: string) => `task ${id}`,
  footerPolls: (n: number) => (n === 1 ? '1 poll' : `${n} polls`),
  footerCached: 'cached result',

  buttonCancel: 'Cancel',
  buttonRerun: 'Re-run',

  usage: [
    'Usage: /ping <client> [packets]',
    'Client: a service id (1001, client-1001, #1001), a phone (+57 310 444 5566, tel:3104445566), a document (doc:1032456789, cc:1.032.456.789, nit:900123456-1) or a name (Ana Morales).',
    'Packets: 1 to 20 (optional). Examples: /ping 1001 · /ping client-1001 6 · /ping Ana Morales',
  ].join('\n'),
  helpIntro: 'I ask the Ping API to ping a client’s line and keep one message up to date until the verdict.',
  helpLegend: 'Verdicts:',
  helpButtons: 'Cancel stops watching the check; Re-run starts a fresh one (skipping the cached result).',

  targetError: {
    empty: 'Tell me which client to ping: a service id, a phone, a document or a name, e.g. /ping 1001.',
    too_long: 'That is too long for a client (100 characters at most).',
    invalid_chars:
      'That does not look like a client. Use a service id (1001), a phone (+57 310 444 5566), a document (doc:1032456789) or a name of 2+ letters.',
    bad_id: 'A service id is a whole number from 1 to 2147483647. For a phone, write it with + or tel: (tel:3104445566).',
    bad_packets: 'Packets must be a whole number from 1 to 20, e.g. /ping 1001 6.',
    one_client: 'Ping one client at a time: /ping 1001, then /ping 1002. (A phone goes with + or tel:, e.g. tel:3104445566.)',
    extra_numbers: 'After the client, give one packet count at most (1 to 20), e.g. /ping 1001 6.',
  },

  notFoundId: (id: number) => `Client ${id} not found.`,
  notFoundPhone: (phone: string) => `No client has the phone ${phone}.`,
  notFoundDocument: (doc: string) => `No client has the document ${doc}.`,
  notFoundName: (query: string) => `No client matches “${query}”.`,
  ambiguous: (count: number, exampleId: number) => `${count} clients match. Use the service id, e.g. /ping ${exampleId}:`,
  ambiguousMore: (n: number) => `…and ${n} more. Narrow the name or use the service id.`,
  lookupMismatch: (typed: number, answered: number) =>
    `The client look-up for ${typed} answered service ${answered} instead, so nothing was pinged. Tell whoever runs the Ping API.`,
  unavailable: 'The client directory is unavailable right now. Try again with the service id, e.g. /ping 1001.',
  authRefused:
    'The Ping API refused pingops’ credentials, so no check can run. Ask whoever runs the bot to check PING_API_KEY (or PING_API_USERNAME and PING_API_PASSWORD; WISPHUB_API_KEY when pingops talks to WispHub directly).',
};

/** The shape both languages share. */
export type Words = typeof en;

const es: Words = {
  serviceTitle: (id) => `Servicio ${id}`,

  starting: 'Creando la tarea de ping…',
  createdIn: (firstPoll) => `Tarea creada · primera consulta en ${firstPoll}`,
  createdWaiting: 'Tarea creada · esperando la primera consulta',
  polling: (attempt, elapsed, next) => `Esperando el veredicto · consulta ${attempt} en ${next} · ${elapsed} transcurridos`,
  givesUpAt: (deadline) => `se rinde a los ${deadline}`,
  retrying: (fault, retryIn, attempt) => `${fault} · reintentando en ${retryIn} · intento ${attempt}`,
  cancelledBy: (headline, by) => `${headline} por ${by}`,
  cancelledShutdown: (headline) => `${headline}: el bot se estaba reiniciando`,
  queued: (ahead, eta) =>
    ahead === 0 ? `En cola: es la siguiente, unos ${eta}` : `En cola: ${ahead} ${ahead === 1 ? 'prueba' : 'pruebas'} antes que la suya, unos ${eta}`,
  busy: (retryIn) => `Ocupado: demasiadas pruebas esperan a la Ping API; intenta de nuevo en ${retryIn}`,
  busyAdvice: 'La línea no se probó y no se creó ninguna tarea. Demasiadas pruebas esperan el cupo de peticiones de la Ping API; intenta más tarde.',

  headline: {
    stable: '✅ Conexión estable',
    intermittent: '⚠️ Conexión intermitente',
    no_internet: '🔴 Sin internet',
    antenna_only: '📡 Solo antena',
    failed: '❌ Ping fallido',
    timed_out: '⏱️ Tiempo agotado',
    cancelled: '⏹️ Cancelado',
  },

  short: {
    stable: 'el equipo del cliente responde',
    intermittent: 'pérdida parcial de paquetes',
    no_internet: 'nada responde',
    antenna_only: 'la antena del sector responde, el equipo del cliente no',
    failed: 'el router no pudo ejecutar el ping',
    timed_out: 'sin veredicto dentro del plazo',
    cancelled: 'detenido antes del veredicto',
  },

  meaning: {
    stable:
      'El equipo del cliente responde y la línea está activa. Si aún se queja, revisa su Wi-Fi o sus propios equipos.',
    intermittent:
      'Pérdida parcial de paquetes: el enlace funciona pero es inestable. Revisa el nivel de señal, la alineación de la antena, la interferencia y el cableado.',
    no_internet: 'Nada responde. Revisa la energía en el predio, el radioenlace y el sector.',
    antenna_only:
      'La antena del sector responde pero el equipo del cliente no: la falla está en el predio (energía, cable, router), no en la red.',
    failed: 'El router no pudo ejecutar el ping (problema de interfaz o de configuración). Escala al NOC; aún no envíes técnico.',
    timed_out: 'Sin veredicto dentro del plazo; la tarea puede seguir en curso. Repite la prueba, o escala si vuelve a pasar.',
    cancelled: 'La prueba se canceló antes del veredicto: no se concluyó nada sobre la línea.',
  },
  timedOutNoTask: 'La Ping API no creó la tarea dentro del plazo, así que no se probó nada en la línea. Repite la prueba, o escala si vuelve a pasar.',
  noInternetBilling:
    'Nada responde y el servicio está suspendido por facturación: la facturación, no la red, lo explica. Confirma el pago con la oficina antes de enviar un técnico.',
  shortNoInternetBilling: 'nada responde; la facturación, no la red, lo explica',

  fault: {
    network: 'Ping API inalcanzable',
    timeout: 'La Ping API no responde (tiempo de espera)',
    server: 'Ping API no disponible',
    rate_limited: 'Ping API saturada (límite de peticiones)',
    malformed: 'Respuesta inesperada de la Ping API',
    auth: 'La Ping API rechazó nuestras credenciales',
    not_found: 'Servicio no encontrado en la Ping API',
    refused: 'La Ping API rechazó la tarea',
    unexpected: 'Respuesta inesperada de la Ping API',
    internal: 'Error interno del bot',
  },
  httpStatus: (phrase, status) => `${phrase} (HTTP ${status})`,
  faultAdvice: {
    retry_later: 'La línea no se probó. Intenta de nuevo en un minuto; si sigue fallando, avisa a quien administra la Ping API.',
    credentials: 'La línea no se probó: hay que corregir las credenciales del bot para la Ping API. Avisa al administrador del bot.',
    unknown_service: 'La línea no se probó: la Ping API no conoce este id de servicio. Verifica el id en WispHub.',
    refused: 'La línea no se probó. Verifica que el servicio exista y esté activo en WispHub, o escala al NOC.',
  },

  billingSuspended: (status, details) =>
    `Servicio suspendido por facturación: estado de pago «${status}»${details}. Si no hay internet, lo explica la facturación, no la red.`,
  billingCutOffPast: (details) =>
    `Fecha de corte vencida${details}: el servicio puede estar cortado por falta de pago. Si no hay internet, lo explica la facturación, no la red.`,
  billingCutOff: (date) => `corte ${date}`,
  paymentCut: 'cortado',
  paymentClasses: { ok: 'al día', hold: 'suspendido', cancelled: 'cancelado', free: 'gratis' },
  billingBalance: (amount) => `saldo ${amount}`,

  labelService: 'Servicio',
  labelAddress: 'Dirección',
  labelPlan: 'Plan',
  labelAntenna: 'Antena',
  labelPayment: 'Pago',
  labelZone: 'Zona',
  labelDetail: 'Detalle',
  labelRouter: 'Router',
  labelSector: 'Sectorial',
  loss: (pct) => `${pct} de pérdida`,
  generalFault: (router, description) => `${router}: falla general reportada${description ? `: ${description}` : ''}.`,

  footerTask: (id) => `tarea ${id}`,
  footerPolls: (n) => (n === 1 ? '1 consulta' : `${n} consultas`),
  footerCached: 'resultado en caché',

  buttonCancel: 'Cancelar',
  buttonRerun: 'Repetir',

  usage: [
    'Uso: /ping <cliente> [paquetes]',
    'Cliente: un id de servicio (1001, cliente-1001, #1001), un teléfono (+57 310 444 5566, tel:3104445566), un documento (doc:1032456789, cc:1.032.456.789, nit:900123456-1) o un nombre (Ana Morales).',
    'Paquetes: de 1 a 20 (opcional). Ejemplos: /ping 1001 · /ping cliente-1001 6 · /ping Ana Morales',
  ].join('\n'),
  helpIntro: 'Le pido a la Ping API que haga ping a la línea de un cliente y mantengo un mensaje al día hasta el veredicto.',
  helpLegend: 'Veredictos:',
  helpButtons: 'Cancelar deja de seguir la prueba; Repetir lanza una nueva (sin usar el resultado en caché).',

  targetError: {
    empty: 'Dime a qué cliente hacer ping: un id de servicio, un teléfono, un documento o un nombre, p. ej. /ping 1001.',
    too_long: 'Eso es demasiado largo para un cliente (máximo 100 caracteres).',
    invalid_chars:
      'Eso no parece un cliente. Usa un id de servicio (1001), un teléfono (+57 310 444 5566), un documento (doc:1032456789) o un nombre de 2 o más letras.',
    bad_id: 'Un id de servicio es un número entero de 1 a 2147483647. Para un teléfono, escríbelo con + o tel: (tel:3104445566).',
    bad_packets: 'Los paquetes deben ser un número entero de 1 a 20, p. ej. /ping 1001 6.',
    one_client: 'Haz ping a un cliente a la vez: /ping 1001 y luego /ping 1002. (Un teléfono va con + o tel:, p. ej. tel:3104445566.)',
    extra_numbers: 'Después del cliente, indica como mucho un número de paquetes (1 a 20), p. ej. /ping 1001 6.',
  },

  notFoundId: (id) => `No se encontró el cliente ${id}.`,
  notFoundPhone: (phone) => `Ningún cliente tiene el teléfono ${phone}.`,
  notFoundDocument: (doc) => `Ningún cliente tiene el documento ${doc}.`,
  notFoundName: (query) => `Ningún cliente coincide con “${query}”.`,
  ambiguous: (count, exampleId) => `${count} clientes coinciden. Usa el id de servicio, p. ej. /ping ${exampleId}:`,
  ambiguousMore: (n) => `…y ${n} más. Precisa el nombre o usa el id de servicio.`,
  lookupMismatch: (typed, answered) =>
    `La búsqueda del cliente ${typed} respondió el servicio ${answered}, así que no se hizo ping. Avisa a quien administra la Ping API.`,
  unavailable: 'El directorio de clientes no está disponible ahora. Intenta con el id de servicio, p. ej. /ping 1001.',
  authRefused:
    'La API de ping rechazó las credenciales de pingops, así que no se puede hacer ninguna prueba. Pide a quien administra el bot que revise PING_API_KEY (o PING_API_USERNAME y PING_API_PASSWORD; WISPHUB_API_KEY si pingops habla directo con WispHub).',
};

const WORDS: Record<Locale, Words> = { en, es };

/** The words of one language. */
export function words(locale: Locale): Words {
  return WORDS[locale];
}
