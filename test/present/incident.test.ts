import { describe, expect, it } from 'vitest';
import { customIdFor, parseCustomId, toDiscordMessage } from '../../src/adapters/discord/embed.js';
import { renderSlackMessage } from '../../src/adapters/slack/blocks.js';
import type { Incident } from '../../src/noc/types.js';
import { eventReply, renderIncident } from '../../src/present/incident.js';

const at = new Date(2026, 11, 2, 10, 42).getTime();
const base: Incident = {
  id: 12,
  scope: 'router:2',
  group: null,
  label: 'RB-2 (Zona 2)',
  state: 'open',
  openedAt: at,
  ackedBy: null,
  ackedAt: null,
  resolvedAt: null,
  nextReminderAt: null,
  alerted: true,
  members: Array.from({ length: 15 }, (_, k) => ({ serviceId: 1000 + k, name: `Cliente ${k}`, verdict: k === 0 ? ('stable' as const) : ('no_internet' as const), health: k === 0 ? ('up' as const) : ('down' as const), at })),
  notes: ['2 clients on a billing hold, not counted', 'WispHub falla_general: corte de fibra'],
};

describe('the incident view', () => {
  it('open: title with scope, counts, since and how long; down members first, ten shown; notes; three buttons', () => {
    const v = renderIncident(base, 'en', at + 12 * 60_000);
    expect(v.title).toBe('RB-2 (Zona 2) down · 14 of 15 checked · since 10:42 (12 min)');
    expect(v.status).toBe('Open · not acked');
    expect(v.tone).toBe('bad');
    expect(v.fields).toHaveLength(11);
    expect(v.fields[0]).toEqual({ label: 'client-1001 Cliente 1', value: '🔴 No internet' });
    expect(v.fields[10]).toEqual({ label: 'More', value: 'and 5 more' });
    expect(v.warning).toBe('2 clients on a billing hold, not counted · WispHub falla_general: corte de fibra');
    expect(v.buttons.map((b) => b.id)).toEqual(['noc_ack', 'noc_silence', 'noc_check']);
    expect(v.final).toBe(false);
  });

  it('acked and resolved, in Spanish', () => {
    const acked = renderIncident({ ...base, state: 'acked', ackedBy: 'Ana', ackedAt: at + 60_000 }, 'es', at + 5 * 60_000);
    expect(acked.title).toBe('RB-2 (Zona 2) caído · 14 de 15 comprobados · desde las 10:42 (5 min)');
    expect(acked.status).toBe('Atendido por Ana a las 10:43');
    expect(acked.tone).toBe('warn');
    expect(acked.buttons.map((b) => b.id)).toEqual(['noc_silence', 'noc_check']);
    const done = renderIncident({ ...base, state: 'resolved', resolvedAt: at + 37 * 60_000 }, 'es', at + 40 * 60_000);
    expect(done).toMatchObject({ tone: 'good', final: true, buttons: [], status: '✅ Resuelto a las 11:19' });
    expect(done.title).toBe('RB-2 (Zona 2) volvió tras 37 min');
    expect(eventReply({ kind: 'resolved', incident: base, durationMs: 37 * 60_000, at }, 'es')).toBe('✅ Volvió tras 37 min');
    expect(eventReply({ kind: 'members_changed', incident: base, down: [1001], back: [1000], at }, 'en')).toBe(
      '🔻 Down: client-1001 Cliente 1\n🔺 Back: client-1000 Cliente 0\nnow 14 of 15 checked down',
    );
  });

  it('resolved: no member reads "No internet" from before the recovery: back, down and being checked again, or the fresh verdict (Slack and Discord)', () => {
    const resolvedAt = at + 37 * 60_000;
    const incident: Incident = {
      ...base,
      state: 'resolved',
      resolvedAt,
      members: [
        { serviceId: 1000, name: 'Back', verdict: 'stable', health: 'up', at: resolvedAt },
        { serviceId: 1001, name: 'Waiting', verdict: 'no_internet', health: 'down', at },
        { serviceId: 1002, name: 'Still', verdict: 'no_internet', health: 'down', at: resolvedAt + 30_000 },
        { serviceId: 1003, name: 'Alerting', verdict: null, health: 'unknown', at },
      ],
    };
    const v = renderIncident(incident, 'en', resolvedAt + 60_000);
    expect(v.fields).toEqual([
      { label: 'client-1001 Waiting', value: 'down at 10:42; checking again' },
      { label: 'client-1002 Still', value: '🔴 No internet' },
      { label: 'client-1000 Back', value: '✅ back' },
      { label: 'client-1003 Alerting', value: 'not checked' },
    ]);
    expect(renderIncident(incident, 'es', resolvedAt).fields[2]).toEqual({ label: 'client-1000 Back', value: '✅ volvió' });
    const slack = JSON.stringify(renderSlackMessage(v, 'full', { locale: 'en', buttonValue: '{}' }).blocks);
    const discord = JSON.stringify(toDiscordMessage(v, { conversationId: '12' }).embeds);
    for (const shown of [slack, discord]) {
      expect(shown).toContain('✅ back');
      expect(shown.match(/No internet/g)).toHaveLength(1);
    }
    expect(eventReply({ kind: 'members_changed', incident, down: [1002], back: [1001], at }, 'en')).toBe('🔻 Still down after the recovery: client-1002 Still\n🔺 Back: client-1001 Waiting');
  });

  it('Slack: the NOC buttons carry the incident id; Discord: custom ids round-trip and the embed is red', () => {
    const v = renderIncident(base, 'en', at);
    const slack = renderSlackMessage(v, 'full', { locale: 'en', buttonValue: JSON.stringify({ k: '12' }) });
    const actions = slack.blocks.find((b) => b.type === 'actions') as { elements: { action_id: string; value: string }[] };
    expect(actions.elements.map((e) => e.action_id)).toEqual(['pingops_noc_ack', 'pingops_noc_silence', 'pingops_noc_check']);
    expect(actions.elements.every((e) => e.value === '{"k":"12"}')).toBe(true);
    const discord = toDiscordMessage(v, { conversationId: '12' });
    expect(discord.embeds[0]?.color).toBe(0xe74c3c);
    expect(discord.components[0]?.components.map((c) => c.custom_id)).toEqual(['pingops:noc_ack:12', 'pingops:noc_silence:12', 'pingops:noc_check:12']);
    expect(parseCustomId(customIdFor('noc_silence', { conversationId: '12' }))).toEqual({ kind: 'noc', action: 'silence', incidentId: 12 });
    expect(parseCustomId('pingops:noc_ack:12x')).toBeNull();
    expect(parseCustomId('pingops:noc_reboot:12')).toBeNull();
  });
});

describe('NOC lines in Spanish (LOCALE=es): the terminal, the log and the notes', () => {
  it('events, intake sentences and noc status', async () => {
    const { describeEvent, describeStatus, intakeSentence } = await import('../../src/present/noc.js');
    const t = (s: string) => s.slice(9);
    expect(t(describeEvent({ kind: 'opened', incident: base, at }, 'es'))).toBe('CAÍDO #12 RB-2 (Zona 2): 14 de 15 comprobados caídos · 2 clients on a billing hold, not counted · WispHub falla_general: corte de fibra');
    expect(t(describeEvent({ kind: 'members_changed', incident: base, down: [1001], back: [1000], at }, 'es'))).toMatch(/^NOVEDAD #12 RB-2 \(Zona 2\): 14 de 15 comprobados caídos \(cliente 1001 caído, cliente 1000 volvió\)/);
    expect(t(describeEvent({ kind: 'resolved', incident: base, durationMs: 37 * 60_000, at }, 'es'))).toBe('VOLVIÓ #12 RB-2 (Zona 2) tras 37 min');
    const note = { kind: 'intake_note' as const, why: 'answers' as const, channel: null, source: 'Alertmanager', title: 'ClientLinkDown', serviceId: 1001, label: 'client-1001 Ana', verdict: 'stable' as const, lossPct: 0, rttMs: 23, at };
    expect(intakeSentence(note, 'es')).toBe('Alertmanager: ClientLinkDown 1001, pero la línea responde: estable · 0 % de pérdida · 23 ms');
    expect(eventReply(note, 'es')).toBe(intakeSentence(note, 'es'));
    const status = describeStatus(
      { at, summary: '1 cliente', stretched: [], round: 3, roundStartedAt: at, lastRoundMs: 60_000, plannedRoundMs: 60_000, budgetPerMin: 50, requestsLastMinute: 10, costPerCheck: 2, groups: [], single: [], watches: [], open: [base], silences: [] },
      at + 60_000,
      'es',
    );
    expect(status).toContain('Ronda 3, la última tardó 1 min; presupuesto en uso 10 de 50 pet/min (20 %), 2 peticiones por comprobación');
    expect(status).toContain('Incidentes abiertos:\n  #12 RB-2 (Zona 2) [router:2] · 14 de 15 caídos · desde las 10:42:00 (1 min) · abierto · 2 clients');
  });
});
