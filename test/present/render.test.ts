import { describe, expect, it } from 'vitest';
import type { CheckState, DoneReason, DoneState } from '../../src/core/check-state.js';
import type { ClientRecord } from '../../src/core/client.js';
import type { Fault } from '../../src/core/errors.js';
import { VERDICTS, type Verdict } from '../../src/core/verdict.js';
import type { Target, TargetError } from '../../src/directory/types.js';
import type { Locale } from '../../src/present/locale.js';
import {
  ambiguousText,
  helpText,
  notFoundText,
  renderCheck,
  renderVerdictNotice,
  targetErrorText,
  unavailableText,
  usageText,
} from '../../src/present/render.js';
import type { Tone } from '../../src/present/view.js';
import { ANA_MORALES, bareClient } from '../support/clients.js';

/** 2026-06-15 12:00 UTC: "today" for the billing rules. */
const NOW = Date.UTC(2026, 5, 15, 12);
const TASK = '7f4c2a9e-3b1d-4e8a-9c55-0d6e2f1a8b34';

const ana: ClientRecord = ANA_MORALES;

const bare: ClientRecord = bareClient(1002, 'Luis Pérez', { paymentStatus: null });

const suspended: ClientRecord = { ...ana, paymentStatus: 'suspended', cutOffDate: '2026-06-05', outstandingBalance: 130000 };

function done(verdict: Verdict, extra: Partial<DoneState> = {}): DoneState {
  const reason: DoneReason =
    verdict === 'cancelled' ? { kind: 'cancelled', by: null } : verdict === 'timed_out' ? { kind: 'deadline' } : { kind: 'verdict' };
  return { kind: 'done', serviceId: 1001, taskId: TASK, verdict, message: null, polls: 3, elapsedMs: 4500, reason, cached: false, lossPct: null, rttMs: null, ...extra };
}

const fault = (kind: Fault['kind'], status: number | null = null, message = 'boom'): Fault => ({ kind, status, message });

const states: Record<Exclude<CheckState['kind'], 'done'>, CheckState> = {
  starting: { kind: 'starting', serviceId: 1001, elapsedMs: 0 },
  created: { kind: 'created', serviceId: 1001, taskId: TASK, elapsedMs: 300 },
  polling: { kind: 'polling', serviceId: 1001, taskId: TASK, attempt: 3, elapsedMs: 6200, nextPollInMs: 2000 },
  retrying: { kind: 'retrying', serviceId: 1001, taskId: TASK, fault: fault('server', 502), attempt: 2, elapsedMs: 3100, retryInMs: 1200 },
};

describe('renderCheck: running states', () => {
  const rows: [keyof typeof states, Locale, string][] = [
    ['starting', 'en', 'Creating the ping task…'],
    ['starting', 'es', 'Creando la tarea de ping…'],
    ['created', 'en', 'Task created · first poll in 2.5 s'],
    ['created', 'es', 'Tarea creada · primera consulta en 2,5 s'],
    ['polling', 'en', 'Waiting for the verdict · poll 3 in 2.0 s · 6.2 s so far'],
    ['polling', 'es', 'Esperando el veredicto · consulta 3 en 2,0 s · 6,2 s transcurridos'],
    ['retrying', 'en', 'Ping API unavailable (HTTP 502) · retrying in 1.2 s · attempt 2'],
    ['retrying', 'es', 'Ping API no disponible (HTTP 502) · reintentando en 1,2 s · intento 2'],
  ];

  it.each(rows)('%s in %s', (kind, locale, status) => {
    const view = renderCheck(states[kind], ana, locale, { now: NOW, initialDelayMs: 2500 });
    expect(view.status).toBe(status);
    expect(view.tone).toBe('running');
    expect(view.verdict).toBeNull();
    expect(view.meaning).toBeNull();
    expect(view.final).toBe(false);
    expect(view.buttons).toEqual([
      { id: 'cancel', label: locale === 'es' ? 'Cancelar' : 'Cancel', style: 'danger' },
    ]);
    expect(view.text).toBe(`Ana Morales · 1001: ${status}`);
  });

  it('says it waits for the first poll when the delay is not known', () => {
    expect(renderCheck(states.created, ana, 'en', { now: NOW }).status).toBe('Task created · waiting for the first poll');
    expect(renderCheck(states.created, ana, 'es', { now: NOW }).status).toBe('Tarea creada · esperando la primera consulta');
  });

  it.each([
    [fault('network'), 'Ping API unreachable'],
    [fault('timeout'), 'Ping API not answering (timeout)'],
    [fault('rate_limited', 429), 'Ping API busy (rate limit) (HTTP 429)'],
    [fault('malformed', 200), 'Unexpected answer from the Ping API (HTTP 200)'],
    [fault('internal'), 'Internal error in the bot'],
  ])('names a retried fault in plain words: %j', (f, phrase) => {
    const state: CheckState = { ...states.retrying, fault: f } as CheckState;
    expect(renderCheck(state, null, 'en', { now: NOW }).status).toBe(`${phrase} · retrying in 1.2 s · attempt 2`);
  });
});

describe('renderCheck: verdicts', () => {
  const rows: [Verdict, Tone, string, string, string, string][] = [
    [
      'stable',
      'good',
      '✅ Stable connection',
      '✅ Conexión estable',
      "The customer's device answers and the line is up. If they still complain, look at their Wi-Fi or their own equipment.",
      'El equipo del cliente responde y la línea está activa. Si aún se queja, revisa su Wi-Fi o sus propios equipos.',
    ],
    [
      'intermittent',
      'warn',
      '⚠️ Intermittent connection',
      '⚠️ Conexión intermitente',
      'Partial packet loss: the link is up but unreliable. Check the signal level, antenna alignment, interference and cabling.',
      'Pérdida parcial de paquetes: el enlace funciona pero es inestable. Revisa el nivel de señal, la alineación de la antena, la interferencia y el cableado.',
    ],
    [
      'no_internet',
      'bad',
      '🔴 No internet',
      '🔴 Sin internet',
      'Nothing answers. Check power at the premises, the radio link and the sector.',
      'Nada responde. Revisa la energía en el predio, el radioenlace y el sector.',
    ],
    [
      'antenna_only',
      'warn',
      '📡 Antenna only',
      '📡 Solo antena',
      "The sector antenna answers but the customer's device does not: the fault is at the premises (power, cable, router), not the network.",
      'La antena del sector responde pero el equipo del cliente no: la falla está en el predio (energía, cable, router), no en la red.',
    ],
    [
      'failed',
      'critical',
      '❌ Ping failed',
      '❌ Ping fallido',
      'The router could not run the ping (interface or configuration problem). Escalate to the NOC; no truck roll yet.',
      'El router no pudo ejecutar el ping (problema de interfaz o de configuración). Escala al NOC; aún no envíes técnico.',
    ],
    [
      'timed_out',
      'critical',
      '⏱️ Timed out',
      '⏱️ Tiempo agotado',
      'No verdict within the deadline; the task may still be running. Re-run it, or escalate if it keeps happening.',
      'Sin veredicto dentro del plazo; la tarea puede seguir en curso. Repite la prueba, o escala si vuelve a pasar.',
    ],
    [
      'cancelled',
      'neutral',
      '⏹️ Cancelled',
      '⏹️ Cancelado',
      'The check was cancelled before a verdict: nothing was concluded about the line.',
      'La prueba se canceló antes del veredicto: no se concluyó nada sobre la línea.',
    ],
  ];

  it('covers every verdict', () => {
    expect(rows.map((r) => r[0]).sort()).toEqual([...VERDICTS].sort());
  });

  it.each(rows)('%s', (verdict, tone, headlineEn, headlineEs, meaningEn, meaningEs) => {
    for (const [locale, headline, meaning, rerun] of [
      ['en', headlineEn, meaningEn, 'Re-run'],
      ['es', headlineEs, meaningEs, 'Repetir'],
    ] as const) {
      const view = renderCheck(done(verdict), ana, locale, { now: NOW });
      expect(view.status).toBe(headline);
      expect(view.tone).toBe(tone);
      expect(view.verdict).toBe(verdict);
      expect(view.meaning).toBe(meaning);
      expect(view.final).toBe(true);
      expect(view.warning).toBeNull();
      expect(view.buttons).toEqual([{ id: 'rerun', label: rerun, style: 'primary' }]);
      expect(view.text).toBe(`Ana Morales · 1001: ${headline}`);
    }
  });

  it('says who cancelled', () => {
    const view = renderCheck(done('cancelled', { reason: { kind: 'cancelled', by: 'maria' } }), ana, 'en', { now: NOW });
    expect(view.status).toBe('⏹️ Cancelled by maria');
    expect(renderCheck(done('cancelled', { reason: { kind: 'cancelled', by: 'maria' } }), ana, 'es', { now: NOW }).status).toBe(
      '⏹️ Cancelado por maria',
    );
  });

  it("shows the API's own message as a detail", () => {
    const view = renderCheck(done('intermittent', { message: '2 de 4' }), ana, 'en', { now: NOW });
    expect(view.fields.at(-1)).toEqual({ label: 'Detail', value: '2 de 4' });
  });
});

describe('renderCheck: a check that ended on a fault', () => {
  const rows: [Fault, string, string][] = [
    [
      fault('network', null, 'connect ECONNREFUSED 10.0.0.5:8000'),
      '❌ Ping failed: Ping API unreachable',
      'The line was not tested. Try again in a minute; if it keeps failing, tell whoever runs the Ping API.',
    ],
    [
      fault('server', 503),
      '❌ Ping failed: Ping API unavailable (HTTP 503)',
      'The line was not tested. Try again in a minute; if it keeps failing, tell whoever runs the Ping API.',
    ],
    [
      fault('auth', 401),
      '❌ Ping failed: The Ping API rejected our credentials (HTTP 401)',
      "The line was not tested: the bot's Ping API credentials need fixing. Tell the bot's administrator.",
    ],
    [
      fault('not_found', 404),
      '❌ Ping failed: Service not found on the Ping API (HTTP 404)',
      'The line was not tested: the Ping API does not know this service id. Check the id in WispHub.',
    ],
    [
      fault('rejected', 400),
      '❌ Ping failed: The Ping API refused the task (HTTP 400)',
      'The line was not tested. Check that the service exists and is active in WispHub, or escalate to the NOC.',
    ],
    [
      fault('invalid', 422),
      '❌ Ping failed: The Ping API refused the task (HTTP 422)',
      'The line was not tested. Check that the service exists and is active in WispHub, or escalate to the NOC.',
    ],
  ];

  it.each(rows)('%j', (f, status, meaning) => {
    const view = renderCheck(done('failed', { reason: { kind: 'error', fault: f }, taskId: null, polls: 0 }), ana, 'en', { now: NOW });
    expect(view.status).toBe(status);
    expect(view.meaning).toBe(meaning);
    expect(view.tone).toBe('critical');
  });

  it('speaks Spanish too', () => {
    const view = renderCheck(done('failed', { reason: { kind: 'error', fault: fault('auth', 403) } }), ana, 'es', { now: NOW });
    expect(view.status).toBe('❌ Ping fallido: La Ping API rechazó nuestras credenciales (HTTP 403)');
    expect(view.meaning).toBe('La línea no se probó: hay que corregir las credenciales del bot para la Ping API. Avisa al administrador del bot.');
  });

  it('never shows a stack trace, only the first line of the message', () => {
    const f = fault('internal', null, 'TypeError: x is undefined\n    at check (/app/src/core/check.ts:10:5)\n    at run');
    const view = renderCheck(done('failed', { reason: { kind: 'error', fault: f } }), ana, 'en', { now: NOW });
    const all = JSON.stringify(view);
    expect(all).not.toContain('check.ts');
    expect(all).not.toContain('    at ');
    expect(view.fields.at(-1)).toEqual({ label: 'Detail', value: 'TypeError: x is undefined' });
    expect(view.status).toBe('❌ Ping failed: Internal error in the bot');
  });
});

describe('renderCheck: billing warning', () => {
  const rows: [string, ClientRecord | null, string | null][] = [
    ['active, cut-off in the future', ana, null],
    ['active, cut-off today', { ...ana, cutOffDate: '2026-06-15' }, null],
    ['ACTIVE in capitals', { ...ana, paymentStatus: ' ACTIVE ' }, null],
    ['no status, no date', bare, null],
    ['no client', null, null],
    ['malformed cut-off date', { ...ana, cutOffDate: '15/06/2020' }, null],
    [
      'suspended with balance',
      suspended,
      'Billing hold: payment status “suspended” (cut-off 2026-06-05, balance $130.000). If there is no internet, billing, not the network, explains it.',
    ],
    [
      'cut without details',
      { ...bare, paymentStatus: 'Cut' },
      'Billing hold: payment status “cut off”. If there is no internet, billing, not the network, explains it.',
    ],
    [
      'active but cut-off passed',
      { ...ana, cutOffDate: '2026-06-14', outstandingBalance: 65000 },
      'Cut-off date passed (cut-off 2026-06-14, balance $65.000): the service may be cut for non-payment. If there is no internet, billing, not the network, explains it.',
    ],
  ];

  it.each(rows)('%s', (_label, client, warning) => {
    expect(renderCheck(states.polling, client, 'en', { now: NOW }).warning).toBe(warning);
    expect(renderCheck(done('stable'), client, 'en', { now: NOW }).warning).toBe(warning);
  });

  it('is in Spanish too', () => {
    expect(renderCheck(states.starting, suspended, 'es', { now: NOW }).warning).toBe(
      'Servicio suspendido por facturación: estado de pago «suspendido» (corte 2026-06-05, saldo $130.000). Si no hay internet, lo explica la facturación, no la red.',
    );
  });

  it('makes billing the meaning of a dead line', () => {
    expect(renderCheck(done('no_internet'), suspended, 'en', { now: NOW }).meaning).toBe(
      'Nothing answers, and the service is on a billing hold: billing, not the network, explains it. Confirm the payment with the office before sending a technician.',
    );
    expect(renderCheck(done('no_internet'), suspended, 'es', { now: NOW }).meaning).toContain('la facturación, no la red, lo explica');
    // A working line is not explained by billing, whatever the status says.
    expect(renderCheck(done('stable'), suspended, 'en', { now: NOW }).meaning).toContain("The customer's device answers");
  });

  it('uses the current time when no "now" is given', () => {
    const longAgo = { ...ana, cutOffDate: '2001-01-01' };
    expect(renderCheck(states.starting, longAgo, 'en').warning).toMatch(/^Cut-off date passed/);
  });
});

describe('renderCheck: title, card and footer', () => {
  it('titles a check without a client by its service', () => {
    expect(renderCheck(states.starting, null, 'en').title).toBe('Service 1001');
    expect(renderCheck(states.starting, null, 'es').title).toBe('Servicio 1001');
    expect(renderCheck(states.starting, { ...ana, name: '   ' }, 'en').title).toBe('Service 1001');
    expect(renderCheck(states.starting, null, 'en').fields).toEqual([]);
    expect(renderCheck(states.starting, null, 'en').text).toBe('Service 1001: Creating the ping task…');
  });

  it('shows the full client card', () => {
    expect(renderCheck(states.polling, ana, 'en', { now: NOW }).fields).toEqual([
      { label: 'Service', value: '1001' },
      { label: 'Address', value: 'Cra 12 #34-56 · Centro · Tunja' },
      { label: 'Plan', value: 'Hogar 50M · $65.000' },
      { label: 'Antenna', value: '10.20.0.4' },
      { label: 'Payment', value: 'active · cut-off 2026-12-15' },
      { label: 'Zone', value: '4' },
    ]);
    expect(renderCheck(states.polling, suspended, 'es', { now: NOW }).fields).toEqual([
      { label: 'Servicio', value: '1001' },
      { label: 'Dirección', value: 'Cra 12 #34-56 · Centro · Tunja' },
      { label: 'Plan', value: 'Hogar 50M · $65.000' },
      { label: 'Antena', value: '10.20.0.4' },
      { label: 'Pago', value: 'suspendido · corte 2026-06-05 · saldo $130.000' },
      { label: 'Zona', value: '4' },
    ]);
  });

  it('skips what is unknown', () => {
    expect(renderCheck(states.polling, bare, 'en', { now: NOW }).fields).toEqual([{ label: 'Service', value: '1002' }]);
    const partial = { ...bare, city: 'Tunja', planPrice: 50000, zoneId: 0 };
    expect(renderCheck(states.polling, partial, 'en', { now: NOW }).fields).toEqual([
      { label: 'Service', value: '1002' },
      { label: 'Address', value: 'Tunja' },
      { label: 'Plan', value: '$50.000' },
      { label: 'Zone', value: '0' },
    ]);
  });

  it('caps long values', () => {
    const view = renderCheck(states.polling, { ...ana, address: 'A'.repeat(500), name: 'N'.repeat(300) }, 'en', { now: NOW });
    const address = view.fields.find((f) => f.label === 'Address')?.value ?? '';
    expect(Array.from(address)).toHaveLength(200);
    expect(address.endsWith('…')).toBe(true);
    expect(view.title).toBe(`${'N'.repeat(79)}… · 1001`);
    const detail = renderCheck(done('stable', { message: 'm'.repeat(1000) }), ana, 'en', { now: NOW }).fields.at(-1)?.value ?? '';
    expect(Array.from(detail)).toHaveLength(200);
  });

  it.each([
    [states.starting, 'en', '0.0 s'],
    [states.created, 'en', 'task 7f4c2a9e · 0.3 s'],
    [states.polling, 'es', 'tarea 7f4c2a9e · 6,2 s'],
    [done('stable'), 'en', 'task 7f4c2a9e · 3 polls · 4.5 s'],
    [done('stable', { polls: 1 }), 'en', 'task 7f4c2a9e · 1 poll · 4.5 s'],
    [done('stable', { cached: true }), 'en', 'task 7f4c2a9e · 3 polls · 4.5 s · cached result'],
    [done('stable', { cached: true }), 'es', 'tarea 7f4c2a9e · 3 consultas · 4,5 s · resultado en caché'],
    [done('failed', { taskId: null, polls: 0, reason: { kind: 'error', fault: fault('network') } }), 'en', '0 polls · 4.5 s'],
  ] as const)('footer of %j in %s', (state, locale, footer) => {
    expect(renderCheck(state, ana, locale, { now: NOW }).footer).toBe(footer);
  });
});

describe('renderCheck: untrusted text', () => {
  const hostile: ClientRecord = {
    ...ana,
    name: '<!channel> *Ana* <@U0123ABC>',
    address: '<http://evil.example|click here> @everyone',
    city: '`rm -rf /`',
    locality: null,
    paymentStatus: '<!here>',
    planName: '_Plan_ ~x~',
  };

  it('passes it through verbatim so the adapter escapes it exactly once', () => {
    const view = renderCheck(done('no_internet', { message: '@everyone <script>&amp;' }), hostile, 'en', { now: NOW });
    expect(view.title).toBe('<!channel> *Ana* <@U0123ABC> · 1001');
    expect(view.fields).toContainEqual({ label: 'Address', value: '<http://evil.example|click here> @everyone · `rm -rf /`' });
    expect(view.fields).toContainEqual({ label: 'Plan', value: '_Plan_ ~x~ · $65.000' });
    expect(view.fields).toContainEqual({ label: 'Detail', value: '@everyone <script>&amp;' });
    expect(view.warning).toContain('“<!here>”');
    expect(view.text).toBe('<!channel> *Ana* <@U0123ABC> · 1001: 🔴 No internet');
    expect(JSON.stringify(view)).not.toContain('&lt;');
  });

  it('keeps a title and card values on one line', () => {
    const view = renderCheck(states.polling, { ...ana, name: 'Ana\n<!channel>', address: 'Cra 12\r\n#34' }, 'en', { now: NOW });
    expect(view.title).toBe('Ana <!channel> · 1001');
    expect(view.fields).toContainEqual({ label: 'Address', value: 'Cra 12 #34 · Centro · Tunja' });
    expect(view.text).not.toContain('\n');
  });
});

describe('renderVerdictNotice', () => {
  it.each([
    [done('stable'), ana, 'en', "Ana Morales · 1001: ✅ Stable connection — the customer's device answers."],
    [done('stable'), ana, 'es', 'Ana Morales · 1001: ✅ Conexión estable — el equipo del cliente responde.'],
    [done('intermittent'), null, 'en', 'Service 1001: ⚠️ Intermittent connection — partial packet loss.'],
    [done('no_internet'), ana, 'en', 'Ana Morales · 1001: 🔴 No internet — nothing answers.'],
    [done('no_internet'), suspended, 'en', 'Ana Morales · 1001: 🔴 No internet — nothing answers; billing, not the network, explains it.'],
    [done('antenna_only'), ana, 'es', 'Ana Morales · 1001: 📡 Solo antena — la antena del sector responde, el equipo del cliente no.'],
    [
      done('failed', { reason: { kind: 'error', fault: fault('server', 500) } }),
      ana,
      'en',
      'Ana Morales · 1001: ❌ Ping failed — Ping API unavailable (HTTP 500).',
    ],
    [done('timed_out'), ana, 'en', 'Ana Morales · 1001: ⏱️ Timed out — no verdict within the deadline.'],
  ] as const)('%#', (state, client, locale, line) => {
    expect(renderVerdictNotice(state, client, locale, { now: NOW })).toBe(line);
  });

  it('is one line with no mention', () => {
    for (const v of VERDICTS) {
      const line = renderVerdictNotice(done(v), ana, 'en', { now: NOW });
      expect(line).not.toMatch(/\n|<@|<!|@here|@channel/);
    }
  });
});

describe('help and error texts', () => {
  it.each(['en', 'es'] as const)('usage and help in %s', (locale) => {
    const usage = usageText(locale);
    expect(usage).toContain('/ping 1001');
    expect(usage).toContain('+57 310 444 5566');
    expect(usage).toContain('doc:1032456789');
    const help = helpText(locale);
    expect(help).toContain(usage);
    for (const v of VERDICTS) expect(help).toContain(renderCheck(done(v), null, locale).status);
  });

  it('explains the buttons only where there are buttons', () => {
    expect(helpText('en')).toContain('Re-run');
    expect(helpText('en', { buttons: false })).not.toContain('Re-run');
    expect(helpText('es', { buttons: false })).not.toContain('Repetir');
    expect(helpText('en', { buttons: false })).toContain(usageText('en'));
  });

  it('speaks each language', () => {
    expect(usageText('en')).toMatch(/^Usage: \/ping <client> \[packets\]/);
    expect(usageText('es')).toMatch(/^Uso: \/ping <cliente> \[paquetes\]/);
  });

  const reasons: (TargetError | 'bad_packets')[] = ['empty', 'too_long', 'invalid_chars', 'bad_id', 'bad_packets'];
  it.each(reasons)('explains %s in both languages, differently for each reason', (reason) => {
    const en = targetErrorText(reason, 'en');
    const es = targetErrorText(reason, 'es');
    expect(en).not.toBe(es);
    for (const other of reasons.filter((r) => r !== reason)) expect(targetErrorText(other, 'en')).not.toBe(en);
  });

  it('points a too-big number to the phone syntax', () => {
    expect(targetErrorText('bad_id', 'en')).toContain('tel:');
    expect(targetErrorText('bad_packets', 'en')).toContain('1 to 20');
  });

  it.each([
    [{ kind: 'service_id', serviceId: 9999 }, 'en', 'Client 9999 not found.'],
    [{ kind: 'service_id', serviceId: 9999 }, 'es', 'No se encontró el cliente 9999.'],
    [{ kind: 'name', query: 'Ana Mora' }, 'en', 'No client matches “Ana Mora”.'],
    [{ kind: 'name', query: 'Ana Mora' }, 'es', 'Ningún cliente coincide con “Ana Mora”.'],
    [{ kind: 'phone', phone: '+573104445566' }, 'en', 'No client has the phone +573104445566.'],
    [{ kind: 'document', document: '1032456789' }, 'es', 'Ningún cliente tiene el documento 1032456789.'],
  ] as [Target, Locale, string][])('not found: %j in %s', (target, locale, text) => {
    expect(notFoundText(target, locale)).toBe(text);
  });

  it('lists a few ambiguous matches and asks for the service id', () => {
    const matches = Array.from({ length: 7 }, (_, i) => ({ ...ana, serviceId: 2000 + i, name: `Ana ${i}`, address: i === 1 ? null : `Calle ${i}` }));
    expect(ambiguousText(matches, 'en')).toBe(
      [
        '7 clients match. Use the service id, e.g. /ping 2000:',
        '• Ana 0 · 2000 · Calle 0',
        '• Ana 1 · 2001',
        '• Ana 2 · 2002 · Calle 2',
        '• Ana 3 · 2003 · Calle 3',
        '• Ana 4 · 2004 · Calle 4',
        '…and 2 more. Narrow the name or use the service id.',
      ].join('\n'),
    );
    expect(ambiguousText(matches.slice(0, 2), 'es')).toBe(
      ['2 clientes coinciden. Usa el id de servicio, p. ej. /ping 2000:', '• Ana 0 · 2000 · Calle 0', '• Ana 1 · 2001'].join('\n'),
    );
  });

  it('says the directory is down and offers the service id', () => {
    expect(unavailableText('en')).toContain('/ping 1001');
    expect(unavailableText('es')).toContain('no está disponible');
  });
});
