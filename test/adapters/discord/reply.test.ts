import { DiscordAPIError, RateLimitError } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { toChoices } from '../../../src/adapters/discord/autocomplete.js';
import type { DiscordMessage } from '../../../src/adapters/discord/embed.js';
import { describeDiscordError, isDeadToken, maskRoute, toEditError } from '../../../src/adapters/discord/errors.js';
import { createReplyEditor, tokenExpired, type ReplyOps } from '../../../src/adapters/discord/reply.js';
import { RateLimitedError } from '../../../src/chat/live-message.types.js';
import type { ClientRecord } from '../../../src/core/client.js';
import { silentLogger } from '../../../src/util/logger.js';
import { ManualClock } from '../../support/manual-clock.js';

const msg = (n: number): DiscordMessage => ({ content: String(n), embeds: [], components: [], allowedMentions: { parse: [] } });

const apiError = (status: number, code: number) =>
  new DiscordAPIError({ message: 'x', code }, code, status, 'PATCH', 'https://discord.com/api/v10/webhooks/1/secret-token/messages/@original', {
    body: undefined,
    files: undefined,
  });

/** Records which platform call each edit became; `failOriginal` makes the token edits throw. */
function recorder(failOriginal: (n: number) => unknown = () => null) {
  const log: string[] = [];
  const ops: ReplyOps = {
    editOriginal: async (m) => {
      const err = failOriginal(Number(m.content));
      if (err) throw err;
      log.push(`original ${m.content}`);
      return { id: 'm1' };
    },
    sendToChannel: async (m) => {
      log.push(`channel-post ${m.content}`);
      return { id: 'c1' };
    },
    editInChannel: async (id, m) => {
      log.push(`channel-edit ${id} ${m.content}`);
    },
  };
  return { ops, log };
}

describe('tokenExpired', () => {
  it.each([
    [0, 0, 1000, false],
    [0, 999, 1000, false],
    [0, 1000, 1000, true],
    [500, 2000, 1000, true],
  ])('deferred at %i, now %i, ttl %i -> %s', (deferredAt, now, ttl, expected) => {
    expect(tokenExpired(deferredAt, now, ttl)).toBe(expected);
  });
});

describe('createReplyEditor', () => {
  it('edits the original while the token is young, then moves to one channel message for good', async () => {
    const clock = new ManualClock();
    const { ops, log } = recorder();
    const r = createReplyEditor(ops, { clock, deferredAt: clock.now(), log: () => silentLogger });
    await r.edit(msg(1));
    expect(r.target()).toEqual({ kind: 'interaction', messageId: 'm1' });
    await clock.advance(14 * 60_000);
    await r.edit(msg(2));
    await r.edit(msg(3));
    expect(log).toEqual(['original 1', 'channel-post 2', 'channel-edit c1 3']);
    expect(r.target()).toEqual({ kind: 'channel', messageId: 'c1' });
  });

  it('moves to the channel as soon as Discord calls the token dead', async () => {
    const clock = new ManualClock();
    const { ops, log } = recorder((n) => (n >= 2 ? apiError(401, 50027) : null));
    const r = createReplyEditor(ops, { clock, deferredAt: clock.now(), log: () => silentLogger });
    await r.edit(msg(1));
    await r.edit(msg(2));
    await r.edit(msg(3));
    expect(log).toEqual(['original 1', 'channel-post 2', 'channel-edit c1 3']);
  });

  it('turns a rejected 429 into RateLimitedError and rethrows other failures unchanged', async () => {
    const clock = new ManualClock();
    const limited = new RateLimitError({
      timeToReset: 1234, limit: 5, method: 'PATCH', hash: 'h', url: 'u', route: '/webhooks/:id/:token/messages/@original',
      majorParameter: '1', global: false, retryAfter: 1234, sublimitTimeout: 0, scope: 'user',
    });
    const boom = apiError(500, 0);
    let next: unknown = limited;
    const { ops } = recorder(() => next);
    const r = createReplyEditor(ops, { clock, deferredAt: clock.now(), log: () => silentLogger });
    await expect(r.edit(msg(1))).rejects.toEqual(new RateLimitedError(1234));
    next = boom;
    await expect(r.edit(msg(2))).rejects.toBe(boom);
    expect(r.target().kind).toBe('interaction');
  });
});

describe('Discord error helpers', () => {
  it.each([
    [401, 50027, true],
    [404, 10015, true],
    [404, 10008, true], // the status message was deleted: continue in a new one
    [403, 50001, false],
  ])('isDeadToken(%i, %i) is %s', (status, code, expected) => {
    expect(isDeadToken(apiError(status, code))).toBe(expected);
  });

  it('masks interaction tokens in routes and error descriptions', () => {
    expect(maskRoute('PATCH https://x/api/v10/webhooks/11/abc.DEF-ghi/messages/@original')).toBe(
      'PATCH https://x/api/v10/webhooks/11/:token/messages/@original',
    );
    expect(maskRoute('/interactions/22/tok/callback')).toBe('/interactions/22/:token/callback');
    expect(JSON.stringify(describeDiscordError(apiError(500, 0)))).not.toContain('secret-token');
  });

  it('passes non-rate-limit errors through toEditError', () => {
    const e = new Error('x');
    expect(toEditError(e)).toBe(e);
  });
});

describe('toChoices', () => {
  const client = (serviceId: number, name: string, address: string | null): ClientRecord => ({
    serviceId, name, address, document: null, phone: null, city: null, locality: null, paymentStatus: 'active', zoneId: null,
    antennaIp: null, cutOffDate: null, outstandingBalance: null, lanInterface: null, planName: null, planPrice: null, technicianId: null,
    router: null, sector: null, zoneName: null,
  });

  it('formats "name · id · address" with the service id as value', () => {
    expect(toChoices([client(1001, 'Ana Morales', 'Cra 12 #34-56'), client(1002, 'Jorge\nRamírez', null)])).toEqual([
      { name: 'Ana Morales · 1001 · Cra 12 #34-56', value: '1001' },
      { name: 'Jorge Ramírez · 1002', value: '1002' },
    ]);
  });

  it('keeps at most 25 distinct clients with names of at most 100 chars', () => {
    const many = Array.from({ length: 40 }, (_, i) => client(2000 + (i % 30), 'N'.repeat(150), 'A'.repeat(50)));
    const choices = toChoices(many);
    expect(choices).toHaveLength(25);
    expect(new Set(choices.map((c) => c.value)).size).toBe(25);
    for (const c of choices) expect(c.name.length).toBeLessThanOrEqual(100);
  });
});
