import { afterEach, describe, expect, it } from 'vitest';
import { isStartUpCall, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('a morning burst of /ping over HTTP', () => {
  it('answers every command, the first ack before any Web API call, and every person gets one card and one verdict', async () => {
    h = await startHarness();
    const { slack } = h;
    const people = Array.from({ length: 25 }, (_, i) => ({ user: `UMORNING${i}`, client: String(1001 + (i % 4)) }));
    const answers = await Promise.all(people.map((p, i) => h!.command(p.client, { user: p.user, responseId: `burst-${i}` })));
    expect(answers.map((r) => r.status)).toEqual(people.map(() => 200));
    await h.waitFor(() => slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts && /UMORNING/.test(c.raw)).length >= people.length, 'every verdict notification', { realMs: 30_000 });
    const notices = slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts && /UMORNING/.test(c.raw));
    // One each: nothing lost in the follow-up queue, nothing done twice.
    for (const p of people) expect(notices.filter((c) => JSON.stringify(c.args.blocks).includes(`"user_id":"${p.user}"`)).length, p.user).toBe(1);
    expect(slack.callsTo('users.info').map((c) => c.args.user).sort()).toEqual(people.map((p) => p.user).sort());
    const roots = slack.callsTo('chat.postMessage').filter((c) => !c.args.thread_ts);
    expect(roots).toHaveLength(people.length);
    // The first ack leaves before anything that follows a command.
    const firstAck = slack.calls.find((c) => c.method === 'ack');
    const firstFollowUp = slack.calls.find((c) => c.method !== 'ack' && !isStartUpCall(c));
    expect(firstAck?.seq).toBeLessThan(firstFollowUp?.seq ?? 0);
  });
});
