import { GuildMemberManager, MessageManager, UserManager, type Client, type User } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { clientCaches, PEOPLE_CACHED } from '../../../src/adapters/discord/discord-surface.js';

// The caches the gateway client makes, through discord.js's own cache factory and collections:
// what an interaction adds (its person, as a user and a member) stays bounded however many people
// come, and the bot's own entry is never the one dropped.
const BOT = 'bot-1';
const person = (id: string) => ({ id, client: { user: { id: BOT } } as Client }) as unknown as User;

describe('the Discord client caches', () => {
  it.each([
    ['users', UserManager],
    ['guild members', GuildMemberManager],
  ] as const)('%s: the latest people up to the bound, and always the bot itself', (_name, manager) => {
    const cache = clientCaches()(manager as never, null as never, manager as never);
    cache.set(BOT, person(BOT));
    for (let i = 0; i < 1000; i++) cache.set(`p${i}`, person(`p${i}`));
    expect(cache.size).toBeLessThanOrEqual(PEOPLE_CACHED + 1);
    expect(cache.has(BOT)).toBe(true);
    expect(cache.has('p999')).toBe(true);
    expect(cache.has('p0')).toBe(false);
  });

  it("keeps discord.js's default for messages (200 a channel)", () => {
    const cache = clientCaches()(MessageManager as never, null as never, MessageManager as never);
    for (let i = 0; i < 300; i++) cache.set(`m${i}`, { id: `m${i}` } as never);
    expect(cache.size).toBe(200);
  });
});
