import { afterEach, describe, expect, it } from 'vitest';
import type { SlackCall } from '../../fakes/fake-slack.js';
import { CHANNEL, REQUESTER, shown, startHarness, threadPosts, tsOf, type Harness } from './harness.js';
import { LAYOUTS } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The value of a button in a posted or edited message. */
function buttonValue(call: SlackCall | undefined, actionId: string): string {
  const blocks = (call?.args.blocks ?? []) as { type: string; elements?: { action_id?: string; value?: string }[] }[];
  for (const b of blocks) for (const e of b.elements ?? []) if (e.action_id === actionId && e.value) return e.value;
  throw new Error(`no ${actionId} button in ${shown(call)}`);
}

describe.each(LAYOUTS)('@pingops in a thread (%s layout)', (dialect) => {
  it('posts the status into that thread, with no new root, and notifies there', async () => {
    h = await startHarness({ dialect });
    const { slack } = h;
    const alertThread = '1709999999.000100';
    const res = await h.mention(`<@${slack.botUserId}> ping 1001`, { threadTs: alertThread });
    expect(res.status).toBe(200);
    await h.waitFor(() => slack.callsTo('chat.postMessage').length >= 2, 'status and notification');
    const posts = slack.callsTo('chat.postMessage');
    expect(posts.every((p) => p.args.thread_ts === alertThread && p.args.channel === CHANNEL)).toBe(true);
    // With no root card, the thread status carries the client card itself.
    expect(shown(posts[0])).toContain('Ana Morales');
    expect(String(posts[1]?.args.text)).toMatch(new RegExp(`^<@${REQUESTER}> .*Stable`, 'i'));
    const statusTs = tsOf(posts[0]);
    await h.waitFor(() => slack.callsTo('chat.update').some((c) => c.args.ts === statusTs && /Stable/.test(shown(c))), 'final status');
  });

  it('starts a thread under a mention made in the channel', async () => {
    h = await startHarness({ dialect });
    await h.mention('<@UBOT> 1002', { ts: '1709999999.000200' });
    await h.waitFor(() => h!.slack.callsTo('chat.postMessage').length >= 2, 'status and notification');
    expect(h.slack.callsTo('chat.postMessage').every((p) => p.args.thread_ts === '1709999999.000200')).toBe(true);
    expect(String(h.slack.callsTo('chat.postMessage')[1]?.args.text)).toMatch(/Intermittent/);
  });

  it('answers a bad mention with an ephemeral message in the thread and starts nothing', async () => {
    h = await startHarness({ dialect });
    await h.mention('<@UBOT> ping 9999', { threadTs: '1709999999.000300' });
    await h.waitFor(() => h!.slack.callsTo('chat.postEphemeral').length > 0, 'the ephemeral answer');
    const e = h.slack.callsTo('chat.postEphemeral')[0];
    expect(e?.args.user).toBe(REQUESTER);
    expect(e?.args.thread_ts).toBe('1709999999.000300');
    expect(String(e?.args.text)).toContain('Client 9999 not found');
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(h.sim?.stats().tasksCreated).toBe(0);
  });
});

describe.each(LAYOUTS)('a DM to the bot (%s layout)', (dialect) => {
  it('runs the check in the DM', async () => {
    h = await startHarness({ dialect });
    await h.dm('ping 1008', { ts: '1709999999.000400' });
    await h.waitFor(() => h!.slack.callsTo('chat.postMessage').length >= 2, 'status and notification');
    const [status, notice] = h.slack.callsTo('chat.postMessage');
    expect(status?.args.channel).toBe('D0DM');
    expect(status?.args.thread_ts).toBe('1709999999.000400');
    expect(String(notice?.args.text)).toMatch(/Antenna only/);
  });

  it('answers junk in the DM itself', async () => {
    h = await startHarness({ dialect });
    await h.dm('hello there friend?!', { ts: '1709999999.000500' });
    await h.waitFor(() => h!.slack.callsTo('chat.postMessage').length >= 1, 'the answer');
    expect(h.sim?.stats().tasksCreated).toBe(0);
    expect(h.slack.callsTo('chat.postMessage')[0]?.args.channel).toBe('D0DM');
  });
});

describe.each(LAYOUTS)('buttons (%s layout)', (dialect) => {
  async function startLongCheck(harness: Harness) {
    await harness.command('1005');
    await harness.waitFor(() => harness.slack.callsTo('chat.postMessage').length >= 2, 'root and status');
    const [root, status] = harness.slack.callsTo('chat.postMessage');
    return { rootTs: tsOf(root), statusTs: tsOf(status), cancel: buttonValue(status, 'pingops_cancel') };
  }

  it('Cancel by the requester ends the check as cancelled', async () => {
    h = await startHarness({ dialect });
    const { rootTs, statusTs, cancel } = await startLongCheck(h);
    const res = await h.click('pingops_cancel', cancel, { messageTs: statusTs, threadTs: rootTs });
    expect(res.status).toBe(200);
    await h.waitFor(() => h!.slack.callsTo('chat.update').some((c) => c.args.ts === statusTs && /Cancelled/.test(shown(c))), 'cancelled status');
    await h.waitFor(() => h!.slack.callsTo('chat.update').some((c) => c.args.ts === rootTs && /Cancelled/.test(shown(c))), 'cancelled root');
    // The requester pressed it: no notification for what they just did.
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(2);
  });

  it('Cancel by someone else is refused privately; an admin may cancel, and the requester is told', async () => {
    h = await startHarness({ dialect });
    h.slack.setUser('UADMIN', { isAdmin: true });
    const { rootTs, statusTs, cancel } = await startLongCheck(h);
    await h.click('pingops_cancel', cancel, { user: 'U999', messageTs: statusTs, threadTs: rootTs, responseId: 'other' });
    await h.waitFor(() => h!.slack.callsTo('response_url').length > 0, 'the refusal');
    const refusal = h.slack.callsTo('response_url')[0];
    expect(refusal?.responseId).toBe('other');
    expect(refusal?.args.response_type).toBe('ephemeral');
    expect(String(refusal?.args.text)).toMatch(/Only tech, who started this check, or a pingops admin/);
    for (let i = 0; i < 8; i++) await h.clock.advance(500);
    expect(h.slack.callsTo('chat.update').some((c) => /Cancelled/.test(shown(c)))).toBe(false);

    await h.click('pingops_cancel', cancel, { user: 'UADMIN', messageTs: statusTs, threadTs: rootTs });
    await h.waitFor(() => h!.slack.callsTo('chat.update').some((c) => c.args.ts === statusTs && /Cancelled/.test(shown(c))), 'cancelled status');
    await h.waitFor(() => h!.slack.callsTo('chat.postMessage').length >= 3, 'the notification');
    expect(String(h.slack.callsTo('chat.postMessage')[2]?.args.text)).toMatch(new RegExp(`^<@${REQUESTER}> .*Cancelled`));
  });

  it('a forged Cancel value does nothing', async () => {
    h = await startHarness({ dialect });
    const { rootTs, statusTs } = await startLongCheck(h);
    await h.click('pingops_cancel', '{"k":"nope","s":1005,"p":null}', { messageTs: statusTs, threadTs: rootTs });
    await h.click('pingops_cancel', '<!channel>', { messageTs: statusTs, threadTs: rootTs });
    await h.waitFor(() => h!.slack.callsTo('response_url').length >= 2, 'the answers');
    expect(h.slack.callsTo('response_url').every((c) => /already finished/.test(String(c.args.text)))).toBe(true);
    expect(h.slack.callsTo('chat.update').some((c) => /Cancelled/.test(shown(c)))).toBe(false);
  });

  it('Re-run starts a fresh check in the same thread and notifies whoever pressed it', async () => {
    h = await startHarness({ dialect });
    const { slack } = h;
    await h.command('1001');
    await h.waitFor(() => slack.callsTo('chat.postMessage').length >= 3, 'first verdict');
    const [root, status] = slack.callsTo('chat.postMessage');
    const rootTs = tsOf(root);
    const statusTs = tsOf(status);
    await h.waitFor(() => slack.callsTo('chat.update').some((c) => c.args.ts === statusTs && /Stable/.test(shown(c))), 'final status');
    const finalStatus = slack.callsTo('chat.update').filter((c) => c.args.ts === statusTs).at(-1);
    const rerun = buttonValue(finalStatus, 'pingops_rerun');

    await h.click('pingops_rerun', rerun, { user: 'U555', messageTs: statusTs, threadTs: rootTs });
    await h.waitFor(() => threadPosts(slack, rootTs).length >= 4, 'second status and notification');
    const posts = threadPosts(slack, rootTs);
    // No new root: everything stays in the thread.
    expect(slack.callsTo('chat.postMessage').filter((p) => p.args.thread_ts === undefined)).toHaveLength(1);
    expect(String(posts[3]?.args.text)).toMatch(/^<@U555> .*Stable/);
    expect(h.sim?.stats().tasksCreated).toBe(2);
    // The root card follows the fresh check and ends on its verdict again.
    const newStatusTs = tsOf(posts[2]);
    await h.waitFor(() => slack.callsTo('chat.update').some((c) => c.args.ts === newStatusTs && /Stable/.test(shown(c))), 'second final');
    await h.waitFor(() => /Stable/.test(shown(slack.callsTo('chat.update').filter((c) => c.args.ts === rootTs).at(-1))), 'root final');
  });
});

describe('access rules and history in Slack', () => {
  it('refuses a channel outside PINGOPS_ALLOWED_CHANNELS privately, saying where pingops answers', async () => {
    h = await startHarness({ env: { PINGOPS_ALLOWED_CHANNELS: 'C0OPS,C0FIELD' } });
    await h.command('1001', { responseId: 'where' });
    await h.waitFor(() => h!.slack.callsTo('response_url').length > 0, 'the refusal');
    const answer = h.slack.callsTo('response_url')[0];
    expect(answer?.args.response_type).toBe('ephemeral');
    expect(String(answer?.args.text)).toBe('pingops does not answer here. Use it in: C0OPS, C0FIELD.');
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(h.sim?.stats().tasksCreated).toBe(0);
  });

  it('slows down the seventh ping of one person in a minute; the Ping API sees six', async () => {
    h = await startHarness();
    for (let i = 0; i < 7; i++) await h.command(`100${i + 1}`, { responseId: `r${i}` });
    await h.waitFor(() => h!.slack.callsTo('response_url').length > 0, 'the slow-down answer');
    expect(String(h.slack.callsTo('response_url')[0]?.args.text)).toMatch(/^Slow down: .*Try again in \d+ s\.$/);
    await h.waitFor(() => h!.service.inFlight === 0 && h!.slack.callsTo('chat.postMessage').length >= 18, 'six checks to their verdicts');
    expect(h.sim?.stats().tasksCreated).toBe(6);
  });

  it('/ping history <client> answers privately with the stored checks', async () => {
    h = await startHarness();
    await h.command('1002');
    await h.waitFor(() => h!.slack.callsTo('chat.postMessage').length >= 3, 'the first verdict');
    await h.command('history 1002', { responseId: 'hist' });
    await h.waitFor(() => h!.slack.callsTo('response_url').length > 0, 'the history');
    const answer = h.slack.callsTo('response_url')[0];
    expect(answer?.args.response_type).toBe('ephemeral');
    expect(String(answer?.args.text)).toMatch(/^Jorge Ramírez · 1002 · last check:\n• just now · intermittent · .*asked by tech \(slack\)/);
  });
});
