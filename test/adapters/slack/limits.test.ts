import { afterEach, describe, expect, it } from 'vitest';
import type { SlackCall } from '../../fakes/fake-slack.js';
import { BOT_TOKEN, SIGNING_SECRET, shown, startHarness, tsOf, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const isFinal = (c: SlackCall) => JSON.stringify(c.args.blocks ?? []).includes('pingops_rerun');

/** Records the surface's virtual time of every call of `method` (a rule that answers nothing falls through). */
function timeCalls(harness: Harness, method: string): Map<number, number> {
  const at = new Map<number, number>();
  harness.slack.on(method, (call) => {
    at.set(call.seq, harness.clock.now());
    return undefined;
  });
  return at;
}

describe('Slack rate limits', () => {
  it('waits out a 429 on chat.update for that message only, and the final still lands', async () => {
    h = await startHarness();
    const { slack } = h;
    slack.on('chat.update', { kind: 'rate_limited', retryAfterSec: 30 }, 1);
    // Added last so it sees every call first (rules are tried newest first).
    const at = timeCalls(h, 'chat.update');
    await h.command('1001');
    await h.waitFor(() => slack.callsTo('chat.update').some((c) => c.response?.status === 429), 'the 429');
    const limited = slack.callsTo('chat.update').find((c) => c.response?.status === 429);
    const limitedTs = String(limited?.args.ts);
    const limitedAt = at.get(limited?.seq ?? -1) ?? 0;

    await h.waitFor(() => slack.callsTo('chat.postMessage').length >= 3, 'the notification');
    await h.waitFor(
      () => slack.callsTo('chat.update').filter((c) => c.response?.status === 200 && isFinal(c)).length >= 2,
      'both final edits',
      { stepMs: 1000 },
    );
    const updates = slack.callsTo('chat.update');
    // The limited message was not edited again before its Retry-After had passed…
    const sameAfter = updates.filter((c) => c.args.ts === limitedTs && c.seq > (limited?.seq ?? 0));
    expect(sameAfter.length).toBeGreaterThan(0);
    for (const c of sameAfter) expect((at.get(c.seq) ?? 0) - limitedAt).toBeGreaterThanOrEqual(30_000);
    // …while the other message went on meanwhile (no workspace-wide freeze).
    const other = updates.filter((c) => c.args.ts !== limitedTs && c.response?.status === 200);
    expect(other.some((c) => (at.get(c.seq) ?? Infinity) - limitedAt < 30_000)).toBe(true);
    expect(shown(sameAfter.at(-1))).toMatch(/Stable/);
  });

  it('delivers twelve verdicts and twelve notifications under six edits a minute', async () => {
    h = await startHarness({ editsPerMin: 6 });
    const { slack } = h;
    const at = timeCalls(h, 'chat.update');
    const start = h.clock.now();
    const ids = [1001, 1002, 1003, 1004, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013];
    const acks = await Promise.all(ids.map((id, i) => h!.command(String(id), { user: `UTECH${i}`, responseId: `r${i}` })));
    expect(acks.every((r) => r.status === 200)).toBe(true);

    await h.waitFor(
      () => slack.callsTo('chat.update').filter((c) => isFinal(c)).length >= 24 && slack.callsTo('chat.postMessage').filter((c) => /^<@UTECH/.test(String(c.args.text))).length >= 12,
      'twelve verdicts on the roots and in the threads, and twelve notifications',
      { realMs: 60_000, stepMs: 2000 },
    );
    const notices = slack.callsTo('chat.postMessage').filter((c) => /^<@UTECH/.test(String(c.args.text)));
    expect(new Set(notices.map((c) => /^<@(\w+)>/.exec(String(c.args.text))?.[1])).size).toBe(12);
    const roots = slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === undefined);
    expect(roots).toHaveLength(12);
    for (const root of roots) {
      const ts = tsOf(root);
      expect(slack.callsTo('chat.update').some((c) => c.args.ts === ts && isFinal(c))).toBe(true);
      expect(notices.some((n) => n.args.thread_ts === ts)).toBe(true);
    }
    // Never above the budget: a burst of six, then six a minute.
    const updates = slack.callsTo('chat.update');
    const elapsedMin = (Math.max(...updates.map((c) => at.get(c.seq) ?? 0)) - start) / 60_000;
    expect(updates.length).toBeLessThanOrEqual(6 + Math.ceil(6 * elapsedMin));
    expect(updates.some((c) => c.response?.status === 429)).toBe(false);
  });
});

describe('a burst that outruns the edit budget', () => {
  it('120 /ping at 30 edits a minute: 100 conversations wait for their finals in memory, the rest in the store; every card and status ends on its verdict once, nothing after it, in budget', async () => {
    h = await startHarness({ editsPerMin: 30 });
    const { slack } = h;
    const at = timeCalls(h, 'chat.update');
    const start = h.clock.now();
    const ids = [1001, 1002, 1003, 1004, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013];
    const people = Array.from({ length: 120 }, (_, i) => ({ user: `UMORN${i}`, client: String(ids[i % ids.length]) }));
    const acks = await Promise.all(people.map((p, i) => h!.command(p.client, { user: p.user, responseId: `m${i}` })));
    expect(acks.every((r) => r.status === 200)).toBe(true);
    const notices = () => slack.callsTo('chat.postMessage').filter((c) => /^<@UMORN/.test(String(c.args.text)));
    await h.waitFor(() => notices().length >= 120, 'every notification', { realMs: 60_000, stepMs: 500 });
    // Every requester heard at once; the edits are minutes behind.
    expect(slack.callsTo('chat.update').filter(isFinal).length).toBeLessThan(100);

    const messages = slack.callsTo('chat.postMessage').filter((c) => !/^<@UMORN/.test(String(c.args.text))).map(tsOf);
    expect(messages).toHaveLength(240);
    const finalsOf = (ts: string) => slack.callsTo('chat.update').filter((c) => c.args.ts === ts && isFinal(c));
    await h.waitFor(() => messages.every((ts) => finalsOf(ts).length > 0), 'a final on every card and status', { realMs: 120_000, stepMs: 2000 });
    const done = slack.callsTo('chat.update').length;
    await h.clock.advance(120_000);
    const updates = slack.callsTo('chat.update');
    expect(updates.slice(done)).toEqual([]);
    for (const ts of messages) {
      expect(finalsOf(ts), ts).toHaveLength(1);
      expect(isFinal(updates.filter((c) => c.args.ts === ts).at(-1) as SlackCall), ts).toBe(true);
    }
    expect(h.logs.some((l) => l.includes('final edits taken back from the store'))).toBe(true);
    expect(new Set(notices().map((c) => /^<@(\w+)>/.exec(String(c.args.text))?.[1])).size).toBe(120);
    const elapsedMin = (Math.max(...updates.map((c) => at.get(c.seq) ?? 0)) - start) / 60_000;
    expect(updates.length).toBeLessThanOrEqual(30 + Math.ceil(30 * elapsedMin));
    expect(updates.some((c) => c.response?.status === 429)).toBe(false);
  }, 240_000);
});

describe('logs and shutdown', () => {
  it('names the surface, channel, service and task, and never a token or the signing secret', async () => {
    h = await startHarness();
    h.slack.on('chat.update', { kind: 'rate_limited', retryAfterSec: 2 }, 1);
    await h.command('1001');
    await h.post('command=%2Fping&text=1001', 'application/x-www-form-urlencoded', { signature: 'v0=00' });
    await h.waitFor(() => h!.slack.callsTo('chat.postMessage').length >= 3, 'the notification');
    await h.waitFor(() => h!.slack.callsTo('chat.update').filter(isFinal).length >= 2, 'final edits', { stepMs: 1000 });
    const all = h.logs.join('\n');
    expect(all).not.toContain(BOT_TOKEN);
    expect(all).not.toContain(SIGNING_SECRET);
    expect(all).not.toMatch(/xoxb-/);
    const verdict = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'verdict');
    expect(verdict).toMatchObject({ surface: 'slack', channel: 'C0NOC', serviceId: 1001, verdict: 'stable' });
    expect(typeof verdict?.taskId).toBe('string');
  });

  it('on stop, a check still running past the grace is left open in the store for the next start, not cancelled', async () => {
    h = await startHarness();
    await h.command('1005');
    await h.waitFor(() => h!.slack.callsTo('chat.postMessage').length >= 2, 'root and status');
    const statusTs = tsOf(h.slack.callsTo('chat.postMessage')[1]);
    const store = h.store;
    const open = await store.unfinished('slack');
    expect(open).toHaveLength(1);
    // Keep the rows readable after the harness closes its store.
    const id = open[0]?.id ?? '';
    const row = () => store.get(id);
    const before = await row();
    let stopped = false;
    void h.surface.stop().then(() => (stopped = true));
    // The grace runs on the surface's virtual clock.
    await h.waitFor(() => stopped, 'stop');
    await h.service.close();
    expect(h.slack.callsTo('chat.update').filter((c) => c.args.ts === statusTs).some((c) => /Cancelled/.test(shown(c)))).toBe(false);
    expect(await row()).toMatchObject({ delivered: false, verdict: null, messages: before?.messages });
    expect((await row())?.taskId).toEqual(expect.any(String));
    await h.close();
    h = undefined;
  });
});
