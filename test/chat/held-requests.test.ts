import { afterEach, describe, expect, it } from 'vitest';
import { createHeldRequests, heldRequestFate, HELD_REQUEST_MAX_AGE_MS, type HeldTicket } from '../../src/chat/held-requests.js';
import type { Ownership } from '../../src/chat/owners.js';
import { silentLogger } from '../../src/util/logger.js';
import { ManualClock, settle } from '../support/manual-clock.js';
import { beats, BEATS_AT, ownership } from '../support/owners.js';
import { testDatabase } from '../support/store.js';

const T = BEATS_AT;
const o = ownership;

describe('what becomes of a request another replica held (pure)', () => {
  it.each([
    ['held by a live replica', 'alive', T - 1_000, 'leave'],
    ['held by a process of this host that died, a second ago', 'crashed', T - 1_000, 'replay'],
    ['held by a replica with no heartbeat row', 'unknown', T - 60_000, 'replay'],
    ['held by a dead replica, just within the age', 'crashed', T - HELD_REQUEST_MAX_AGE_MS, 'replay'],
    ['held by a dead replica, older than the age: the person has moved on', 'crashed', T - HELD_REQUEST_MAX_AGE_MS - 1, 'drop'],
    ['held by a live replica, however old (it is still working on it)', 'alive', T - 3_600_000, 'leave'],
    ['held by a replica silent for the whole TTL', 'silent', T - 20_000, 'replay'],
  ] as const)('%s: %s', (_why, owner, receivedAt, fate) => {
    expect(heldRequestFate({ owner, receivedAt }, o, beats, T, HELD_REQUEST_MAX_AGE_MS)).toBe(fate);
  });
});

describe('requests in hand', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  const setUp = () => {
    const clock = new ManualClock(T);
    const db = testDatabase(':memory:', { clock });
    cleanups.push(() => db.close());
    const outcomes: string[] = [];
    const held = (me: Ownership['me']) =>
      createHeldRequests<{ text: string }>({
        surface: 'slack',
        store: db.held,
        checks: db.checks,
        owners: { me, staleAfterMs: 15_000, everyMs: 5_000, goneOnThisHost: (r) => r.pid === 666 },
        clock,
        logger: silentLogger,
        counted: (outcome) => outcomes.push(`${me.id}:${outcome}`),
      });
    return { clock, db, held, outcomes };
  };

  it('a replica that dies between the ack and the check leaves its requests to the next, replayed once, oldest first; taken ones are not', async () => {
    const { clock, db, held } = setUp();
    const dead = { id: 'dead', pid: 666, host: 'here' };
    await db.checks.heartbeat(dead, T);
    const before = held(dead);
    const a = before.hold({ text: 'client-1001' });
    await clock.advance(10);
    before.hold({ text: 'client-1002' });
    const c = before.hold({ text: 'client-1003' });
    // Taken up (its check row written) before the crash: nothing to replay.
    c.release();
    await settle();

    const next = held({ id: 'next', pid: 2, host: 'here' });
    const replayed: { text: string; ticket: HeldTicket }[] = [];
    next.start(
      (b) => (b && typeof b === 'object' && typeof (b as { text?: unknown }).text === 'string' ? { text: (b as { text: string }).text } : null),
      (body, ticket) => replayed.push({ text: body.text, ticket }),
    );
    cleanups.push(async () => next.stop());
    await settle();
    expect(replayed.map((r) => [r.text, r.ticket.replayed])).toEqual([
      ['client-1001', true],
      ['client-1002', true],
    ]);
    // The check of a replayed request takes the key it was held under.
    expect(replayed[0]?.ticket.key).toBe(a.key);
    // The next pass takes nothing again: they are this replica's now.
    await clock.advance(5_000);
    expect(replayed).toHaveLength(2);
    for (const r of replayed) r.ticket.release();
    await settle();
    expect(await db.held.heldByOthers('slack', 'nobody', 10)).toEqual([]);
  });

  it('a request handed over by a stopping replica stays held (its later release does nothing) and the next start replays it', async () => {
    const { db, held, outcomes } = setUp();
    const stopping = { id: 'stopping', pid: 666, host: 'here' };
    await db.checks.heartbeat(stopping, T);
    const t = held(stopping).hold({ text: 'client-1001' });
    t.handOver();
    t.release();
    await settle();
    expect((await db.held.heldByOthers('slack', 'nobody', 10)).map((r) => r.key)).toEqual([t.key]);
    const next = held({ id: 'next', pid: 2, host: 'here' });
    const replayed: string[] = [];
    next.start((b) => b as { text: string }, (body) => replayed.push(body.text));
    cleanups.push(async () => next.stop());
    await settle();
    expect(replayed).toEqual(['client-1001']);
    expect(outcomes).toEqual(['stopping:held', 'stopping:handed_over', 'next:replayed']);
  });

  it('leaves a live replica\'s requests alone, and takes them once its heartbeat is older than the TTL', async () => {
    const { clock, db, held } = setUp();
    const busy = { id: 'busy', pid: 7, host: 'there' };
    await db.checks.heartbeat(busy, T);
    held(busy).hold({ text: 'client-1001' });
    const other = held({ id: 'other', pid: 8, host: 'there' });
    const replayed: string[] = [];
    other.start((b) => b as { text: string }, (body) => replayed.push(body.text));
    cleanups.push(async () => other.stop());
    await clock.advance(10_000);
    expect(replayed).toEqual([]);
    // No beat for 15 s: gone. The next pass (every 5 s) takes it.
    await clock.advance(5_000);
    expect(replayed).toEqual(['client-1001']);
  });

  it('drops, without replaying, what a dead replica held too long ago, and what it cannot read; each outcome counted', async () => {
    const { clock, db, held, outcomes } = setUp();
    const dead = { id: 'dead', pid: 666, host: 'here' };
    const before = held(dead);
    before.hold({ text: 'old' });
    await clock.advance(HELD_REQUEST_MAX_AGE_MS + 1);
    before.hold({ text: 'unreadable' });
    before.hold({ text: 'fresh' });
    await settle();
    const next = held({ id: 'next', pid: 2, host: 'here' });
    const replayed: string[] = [];
    next.start((b) => ((b as { text: string }).text === 'unreadable' ? null : (b as { text: string })), (body) => replayed.push(body.text));
    cleanups.push(async () => next.stop());
    await settle();
    expect(replayed).toEqual(['fresh']);
    await settle();
    // Only the replayed one is still held (until its handling ends).
    expect((await db.held.heldByOthers('slack', 'nobody', 10)).map((r) => r.owner)).toEqual(['next']);
    // (the two held in the same millisecond come in either order)
    expect(outcomes.sort()).toEqual(['dead:held', 'dead:held', 'dead:held', 'next:dropped', 'next:dropped', 'next:replayed']);
  });
});
