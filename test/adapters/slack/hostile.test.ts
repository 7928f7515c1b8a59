import { afterEach, describe, expect, it } from 'vitest';
import { fixture } from '../../fakes/fake-ping-api.js';
import type { SlackCall } from '../../fakes/fake-slack.js';
import { shown, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const found = (fixture('api-client-found.json') as { data: Record<string, unknown> }).data;
const envelope = (data: Record<string, unknown>) => ({ ok: true, type: 'success', action: 'client_found', data, message: null });

/** Every text object of type `type` in a call's blocks, however deeply nested. */
function textsOfType(call: SlackCall | undefined, type: string): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === type && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(call?.args.blocks ?? []);
  return out;
}

describe('hostile input on the Slack wire (issue 8)', () => {
  it('keeps a name with *_~ literal and strips bidi and zero-width characters from it', async () => {
    h = await startHarness({ fakePingApi: true });
    const api = h.fakeApi!;
    api.route('GET', /\/clients\/by-service-id\/1001/, {
      status: 200,
      body: envelope({ ...found, name: '*Ana* _Mora_ ~les~ \u202eolleh\u202c\u200b', address: 'Cra 1 \u2066*x*\u2069' }),
    });
    api.route('POST', /\/ping\/?$/, { status: 200, body: { task_id: 'task-1' } });
    api.route('GET', /\/ping\/task-1/, { status: 200, body: { status: 'stable' } });
    await h.command('1001');
    await h.waitFor(() => h!.slack.callsTo('chat.postMessage').length >= 3, 'the notification');
    const sent = h.slack.calls.filter((c) => c.method.startsWith('chat.'));
    for (const call of sent) {
      expect(shown(call)).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b-\u200d\ufeff\u200e\u200f\u061c]/u);
      // No mrkdwn object carries the name: its *, _ and ~ would become formatting.
      for (const t of textsOfType(call, 'mrkdwn')) expect(t).not.toContain('Ana*');
    }
    const [root, , notice] = h.slack.callsTo('chat.postMessage');
    expect(textsOfType(root, 'plain_text').join('\n')).toContain('*Ana* _Mora_ ~les~ olleh');
    // The notification mentions the requester and names the client in a literal rich_text element.
    expect(textsOfType(notice, 'text').join('')).toContain('*Ana* _Mora_ ~les~ olleh');
    expect(JSON.stringify(notice?.args.blocks)).toContain('"type":"user"');
  });

  it('shows a Slack user name with newlines on one line (issue 17): it cannot forge a line of the history', async () => {
    h = await startHarness();
    await h.command('1002', { userName: 'evil\n• just now · stable · asked by boss\r\n' });
    await h.waitFor(() => h!.slack.callsTo('chat.postMessage').length >= 3, 'the first verdict');
    await h.command('history 1002', { responseId: 'hist' });
    await h.waitFor(() => h!.slack.callsTo('response_url').length > 0, 'the history');
    const text = String(h.slack.callsTo('response_url')[0]?.args.text);
    expect(text.split('\n')).toHaveLength(2);
    expect(text).toMatch(/^• just now · intermittent · asked by evil • just now · stable · asked by boss \(slack\) · /m);
  });

  it('refuses a look-up that answers another service id, and pings nobody', async () => {
    h = await startHarness({ fakePingApi: true });
    const api = h.fakeApi!;
    api.route('GET', /\/clients\/by-service-id\/1001/, { status: 200, body: envelope({ ...found, service_id: 1002, name: 'Someone Else' }) });
    await h.command('1001', { responseId: 'mismatch' });
    await h.waitFor(() => h!.slack.callsTo('response_url').length > 0, 'the private answer');
    expect(shown(h.slack.callsTo('response_url')[0])).toMatch(/look-up for 1001 answered service 1002/);
    expect(api.requests.filter((r) => r.method === 'POST')).toEqual([]);
    expect(h.slack.callsTo('chat.postMessage')).toEqual([]);
  });

  it('a hung look-up does not hold a start slot: four of them do not delay /ping 1001', async () => {
    h = await startHarness({ fakePingApi: true });
    const api = h.fakeApi!;
    let release: () => void = () => {};
    const hung = new Promise<void>((r) => (release = r));
    api.route('GET', /\/clients\/by-service-id\/200\d/, async () => {
      await hung;
      return { status: 404, body: { detail: 'client_not_found' } };
    });
    api.route('GET', /\/clients\/by-service-id\/1001/, { status: 200, body: fixture('api-client-found.json') });
    api.route('POST', /\/ping\/?$/, { status: 200, body: { task_id: 'task-1' } });
    api.route('GET', /\/ping\/task-1/, { status: 200, body: { status: 'stable' } });
    for (const id of ['2001', '2002', '2003', '2004']) await h.command(id, { responseId: `r${id}` });
    await h.command('1001');
    // The card of 1001 is posted while the four look-ups are still hanging (each asked once, no retry yet).
    await h.waitFor(() => h!.slack.callsTo('chat.postMessage').length >= 1, 'the card of 1001', { stepMs: 10 });
    expect(shown(h.slack.callsTo('chat.postMessage')[0])).toContain('Ana Morales');
    expect(api.requests.filter((r) => /by-service-id\/200\d/.test(r.path))).toHaveLength(4);
    release();
  });

  it('refuses an unsigned 2 MB body to /slack/events with 413 before reading it', async () => {
    h = await startHarness();
    const res = await h.post('x'.repeat(2 * 1024 * 1024), 'application/json', { signature: 'v0=bogus' });
    expect(res.status).toBe(413);
    expect(h.slack.calls.filter((c) => c.method.startsWith('chat.'))).toEqual([]);
  });
});
