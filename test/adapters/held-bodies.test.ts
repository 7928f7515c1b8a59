import { describe, expect, it } from 'vitest';
import { parseHeldDiscordRequest } from '../../src/adapters/discord/discord-surface.js';
import { parseHeldSlackRequest } from '../../src/adapters/slack/slack-surface.js';

// A held request comes back from the store as JSON another version may have written: read back
// whole, or not at all (chat/held-requests drops it with a warning).
const slack = { via: 'command', text: 'client-1001', user: 'U1', name: 'ana', team: 'T1', channel: 'C1', thread: null };
const discord = {
  text: '1001',
  packets: null,
  person: { id: '42', name: 'Ana', locale: 'es', isAdmin: false, workspace: { id: 'G1', home: null } },
  channel: 'C9',
  deferredAt: 1_800_000_000_000,
  interaction: { id: 'I1', applicationId: 'A1', token: 'tok', channelId: 'C9', ephemeral: false },
};

describe('a held Slack request read back', () => {
  it.each([
    ['a /ping as written', slack, slack],
    ['a mention in a thread, no name', { ...slack, via: 'mention', thread: '1.2', name: undefined }, { ...slack, via: 'mention', thread: '1.2', name: undefined }],
    ['an unknown kind', { ...slack, via: 'shortcut' }, null],
    ['no user', { ...slack, user: 7 }, null],
    ['a thread that is not text', { ...slack, thread: 3 }, null],
    ['not an object', 'client-1001', null],
  ] as const)('%s', (_why, body, read) => {
    expect(parseHeldSlackRequest(JSON.parse(JSON.stringify(body)) as unknown)).toEqual(read === null ? null : JSON.parse(JSON.stringify(read)));
  });
});

describe('a held Discord request read back', () => {
  it.each([
    ['a deferred /ping as written', discord, discord],
    ['with a packet count', { ...discord, packets: 10 }, { ...discord, packets: 10 }],
    ['a locale this version does not speak', { ...discord, person: { ...discord.person, locale: 'fr' } }, null],
    ['no token', { ...discord, interaction: { ...discord.interaction, token: undefined } }, null],
    ['no deferral time', { ...discord, deferredAt: '2026' }, null],
    ['null', null, null],
  ] as const)('%s', (_why, body, read) => {
    expect(parseHeldDiscordRequest(JSON.parse(JSON.stringify(body)) as unknown)).toEqual(read);
  });
});
