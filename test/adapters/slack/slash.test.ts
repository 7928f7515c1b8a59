import { afterEach, describe, expect, it } from 'vitest';
import { BOT_TOKEN, CHANNEL, REQUESTER, isStartUpCall, shown, startHarness, tsOf, type Harness } from './harness.js';
import { LAYOUTS } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe.each(LAYOUTS)('/ping in a channel (%s layout)', (dialect) => {
  it('acks before any Web API call, posts the card and a live thread status, then notifies the requester', async () => {
    h = await startHarness({ dialect });
    const { slack } = h;
    const t0 = Date.now();
    const res = await h.command('client-1001');
    expect(res.status).toBe(200);
    // Loose bound only to catch an ack that waits for the check; never a timing assertion on the happy path.
    expect(Date.now() - t0).toBeLessThan(2000);

    await h.waitFor(() => slack.callsTo('chat.postMessage').length >= 3, 'the verdict notification');
    await h.waitFor(() => slack.callsTo('chat.update').some((c) => c.args.ts === tsOf(slack.callsTo('chat.postMessage')[0]) ), 'the root edit');

    const commandAck = slack.calls.find((c) => c.method === 'ack');
    const firstApiCall = slack.calls.find((c) => c.method !== 'ack' && !isStartUpCall(c));
    expect(commandAck).toBeDefined();
    expect(firstApiCall).toBeDefined();
    expect(commandAck?.seq).toBeLessThan(firstApiCall?.seq ?? 0);

    const [root, status, notice] = slack.callsTo('chat.postMessage');
    // The root card: in the channel, not in a thread, with the client card.
    expect(root?.args.channel).toBe(CHANNEL);
    expect(root?.args.thread_ts).toBeUndefined();
    expect(shown(root)).toContain('Ana Morales');
    expect(shown(root)).toContain('1001');
    expect(root?.token).toBe(BOT_TOKEN);
    // The status in its thread.
    const rootTs = tsOf(root);
    expect(status?.args.thread_ts).toBe(rootTs);
    // The notification: a new reply in the thread that mentions the requester, after the verdict.
    expect(notice?.args.thread_ts).toBe(rootTs);
    expect(String(notice?.args.text)).toMatch(new RegExp(`^<@${REQUESTER}> `));
    expect(String(notice?.args.text)).toMatch(/stable/i);

    // The status message was edited in place and ends on the verdict; the root shows it too.
    const statusTs = tsOf(status);
    await h.waitFor(() => slack.callsTo('chat.update').filter((c) => c.args.ts === statusTs).some((c) => /stable/i.test(shown(c))), 'final status');
    const statusEdits = slack.callsTo('chat.update').filter((c) => c.args.ts === statusTs);
    expect(statusEdits.length).toBeGreaterThan(0);
    expect(shown(statusEdits.at(-1))).toMatch(/stable/i);
    expect(JSON.stringify(statusEdits.at(-1)?.args.blocks)).toContain('pingops_rerun');
    const rootEdits = slack.callsTo('chat.update').filter((c) => c.args.ts === rootTs);
    expect(shown(rootEdits.at(-1))).toMatch(/stable/i);
    expect(h.sim?.stats().tasksCreated).toBe(1);
  });

  it('writes each log field once per line: no "surface":"slack" twice (issue 18)', async () => {
    h = await startHarness({ dialect });
    const { slack } = h;
    await h.command('client-1001');
    await h.waitFor(() => slack.callsTo('chat.postMessage').length >= 3, 'the verdict notification');
    const slackLines = h.logs.filter((l) => l.includes('"surface":"slack"'));
    expect(slackLines.length).toBeGreaterThan(0);
    for (const line of h.logs) {
      const keys = [...line.matchAll(/"([A-Za-z_]+)":/g)].map((m) => m[1]);
      // Top-level duplicates only matter, but any repeated binding of these would be one.
      for (const k of ['surface', 'component', 'check', 'app']) expect(keys.filter((x) => x === k).length, `${k} in ${line}`).toBeLessThanOrEqual(1);
    }
  });

  it('escapes a hostile client: no broadcast, mention or link reaches the wire', async () => {
    h = await startHarness({ dialect });
    const { slack } = h;
    await h.command('1013');
    await h.waitFor(() => slack.callsTo('chat.postMessage').length >= 3, 'the notification');
    await h.waitFor(() => slack.callsTo('chat.update').filter((c) => /stable/i.test(shown(c))).length >= 2, 'both final edits');
    const sent = slack.calls.filter((c) => c.method.startsWith('chat.'));
    expect(sent.length).toBeGreaterThanOrEqual(5);
    for (const call of sent) {
      const text = shown(call);
      expect(text).not.toContain('<!channel>');
      expect(text).not.toMatch(/<!(here|channel|everyone)/);
      expect(text).not.toMatch(/<https?:/);
      expect(text).not.toMatch(/@(here|channel|everyone)/i);
    }
    // The name is still there, escaped and visible.
    expect(shown(slack.callsTo('chat.postMessage')[0])).toContain('&lt;!channel&gt;');
    expect(shown(slack.callsTo('chat.postMessage')[0])).toContain('&lt;http://evil.example|click here&gt;');
  });

  it.each([
    ['', /Tell me which client/],
    ['$$$ ;;', /does not look like a client/],
    ['9999', /Client 9999 not found/],
    ['1001 99', /Packets must be/],
  ])('answers /ping %j privately and starts no task', async (text, expected) => {
    h = await startHarness({ dialect });
    const { slack } = h;
    const res = await h.command(text, { responseId: 'bad' });
    expect(res.status).toBe(200);
    await h.waitFor(() => slack.callsTo('response_url').length > 0, 'the private answer');
    const answer = slack.callsTo('response_url')[0];
    expect(answer?.responseId).toBe('bad');
    expect(answer?.args.response_type).toBe('ephemeral');
    expect(String(answer?.args.text)).toMatch(expected);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(h.sim?.stats().tasksCreated).toBe(0);
  });

  it('answers help privately', async () => {
    h = await startHarness({ dialect });
    await h.command('help');
    await h.waitFor(() => h!.slack.callsTo('response_url').length > 0, 'help');
    expect(String(h.slack.callsTo('response_url')[0]?.args.text)).toMatch(/Usage: \/ping/);
    expect(h.sim?.stats().tasksCreated).toBe(0);
  });

  it('answers in the requester\'s language (users.info locale)', async () => {
    h = await startHarness({ locale: 'en', dialect });
    await h.waitFor(() => h!.logs.some((l) => l.includes('slack users loaded')), 'the (empty) member list');
    h.slack.setUser('U777', { locale: 'es-CO' });
    await h.command('9999', { user: 'U777' });
    await h.waitFor(() => h!.slack.callsTo('response_url').length > 0, 'the answer');
    expect(String(h.slack.callsTo('response_url')[0]?.args.text)).toContain('No se encontró el cliente 9999');
    expect(h.slack.callsTo('users.info')[0]?.args.include_locale).toBe('true');
  });

  it('knows the workspace\'s members from the start (users.list): their first command waits for no users.info, and the list is read again every 30 min', async () => {
    h = await startHarness({ locale: 'en', dialect, members: { U777: { locale: 'es-CO' }, U778: { locale: 'en-US' } } });
    await h.waitFor(() => h!.logs.some((l) => l.includes('slack users loaded')), 'the member list');
    await h.command('9999', { user: 'U777' });
    await h.waitFor(() => h!.slack.callsTo('response_url').length > 0, 'the answer');
    expect(String(h.slack.callsTo('response_url')[0]?.args.text)).toContain('No se encontró el cliente 9999');
    expect(h.slack.callsTo('users.info')).toHaveLength(0);
    expect(h.slack.callsTo('users.list')).toHaveLength(1);
    h.slack.setUser('U777', { locale: 'en-US' });
    await h.clock.advance(30 * 60_000);
    await h.waitFor(() => h!.logs.filter((l) => l.includes('slack users loaded')).length >= 2, 'the second reading');
    await h.command('9999', { user: 'U777', responseId: 'later' });
    await h.waitFor(() => h!.slack.callsTo('response_url').length > 1, 'the second answer');
    expect(String(h.slack.callsTo('response_url')[1]?.args.text)).toContain('Client 9999 not found');
    expect(h.slack.callsTo('users.info')).toHaveLength(0);
  });

  it.each([
    ['a wrong signature', { signature: 'v0=deadbeef' }],
    ['a stale timestamp', { timestamp: Math.floor(Date.now() / 1000) - 10 * 60 }],
  ])('rejects a command with %s (401) and starts nothing', async (_what, override) => {
    h = await startHarness({ dialect });
    const body = new URLSearchParams({ command: '/ping', text: '1001', user_id: REQUESTER, channel_id: CHANNEL, team_id: 'T0001', response_url: h.slack.responseUrl('x') }).toString();
    const res = await h.post(body, 'application/x-www-form-urlencoded', override);
    expect(res.status).toBe(401);
    // Give anything that wrongly started a chance to show.
    for (let i = 0; i < 10; i++) await h.clock.advance(500);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.slack.calls.filter((c) => c.method !== 'ack' && !isStartUpCall(c))).toHaveLength(0);
    expect(h.sim?.stats().tasksCreated).toBe(0);
  });

  it.each(['not_in_channel', 'channel_not_found'])('answers %s through response_url with an invite hint', async (error) => {
    h = await startHarness({ dialect });
    h.slack.on('chat.postMessage', { kind: 'error', error });
    await h.command('1001', { channel: 'CPRIVATE', responseId: 'priv' });
    await h.waitFor(() => h!.slack.callsTo('response_url').length > 0, 'the hint');
    const hint = h.slack.callsTo('response_url')[0];
    expect(hint?.args.response_type).toBe('ephemeral');
    expect(String(hint?.args.text)).toMatch(/Invite @\u2060?pingops|invite/i);
    expect(String(hint?.args.text)).toContain('/invite');
    expect(h.sim?.stats().tasksCreated).toBe(0);
  });
});

describe('/ping when the Ping API is down', () => {
  it('shows a clear failed state in the thread when the API answers 503 throughout', async () => {
    h = await startHarness({ fakePingApi: true });
    const api = h.fakeApi!;
    api.route('GET', /.*/, { status: 503, body: { detail: 'upstream down' } });
    api.route('POST', /.*/, { status: 503, body: { detail: 'upstream down' } });
    await h.command('1001');
    await h.waitFor(() => h!.slack.callsTo('chat.postMessage').length >= 3, 'the notification', { realMs: 15_000, stepMs: 1000 });
    const [root, status, notice] = h.slack.callsTo('chat.postMessage');
    const statusTs = tsOf(status);
    await h.waitFor(() => h!.slack.callsTo('chat.update').some((c) => c.args.ts === statusTs && /Ping failed/.test(shown(c))), 'the failed status');
    const last = h.slack.callsTo('chat.update').filter((c) => c.args.ts === statusTs).at(-1);
    expect(shown(last)).toMatch(/Ping API unavailable/);
    expect(shown(last)).toMatch(/The line was not tested/);
    expect(String(notice?.args.text)).toMatch(/Ping failed/);
    expect(notice?.args.thread_ts).toBe(tsOf(root));
  });

  it('shows "service not found" when creating the task answers 404', async () => {
    h = await startHarness({ fakePingApi: true });
    const api = h.fakeApi!;
    const { fixture } = await import('../../fakes/fake-ping-api.js');
    api.route('GET', /\/clients\/by-service-id\/1001/, { status: 200, body: fixture('api-client-found.json') });
    api.route('POST', /\/ping\/?$/, { status: 404, body: { detail: 'Service not found' } });
    await h.command('1001');
    await h.waitFor(() => h!.slack.callsTo('chat.postMessage').length >= 3, 'the notification');
    const status = h.slack.callsTo('chat.postMessage')[1];
    const statusTs = tsOf(status);
    await h.waitFor(() => h!.slack.callsTo('chat.update').some((c) => c.args.ts === statusTs && c.args.text !== undefined && /Ping failed/.test(shown(c))), 'the failed status');
    const last = h.slack.callsTo('chat.update').filter((c) => c.args.ts === statusTs).at(-1);
    expect(shown(last)).toMatch(/Service not found on the Ping API/);
  });
});
