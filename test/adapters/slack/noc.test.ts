import { afterEach, describe, expect, it } from 'vitest';
import type { Access } from '../../../src/chat/access.js';
import { createNocCommands } from '../../../src/chat/noc-commands.js';
import type { NocStore } from '../../../src/noc/store.js';
import type { PingopsDatabase } from '../../../src/app/core.js';
import { testDatabase } from '../../support/store.js';
import { createLogger } from '../../../src/util/logger.js';
import { ManualClock } from '../../support/manual-clock.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
let db: PingopsDatabase | undefined;
afterEach(async () => {
  await h?.close();
  db?.close();
  h = undefined;
  db = undefined;
});

const ADMIN = 'UADMIN1';

async function start(env: Record<string, string> = {}): Promise<{ h: Harness; store: NocStore }> {
  db = testDatabase(':memory:', { logger: createLogger('silent') });
  const store = db.noc;
  const noc = (access: Access) =>
    createNocCommands({ store, watcher: null, admins: [ADMIN], access, nocChannels: ['C0NOCROOM'], defaultIntervalMs: 300_000, clock: new ManualClock(), logger: createLogger('silent') });
  h = await startHarness({ noc, env: { PINGOPS_ADMINS: ADMIN, ...env } });
  return { h, store };
}

const answers = (harness: Harness) => harness.slack.calls.filter((c) => c.method === 'response_url');

describe('/noc in Slack (real Bolt, fake Slack)', () => {
  it('an admin adds a watch with a #channel mention; the answer is ephemeral, through the response_url', async () => {
    const { h, store } = await start();
    const res = await h.command('watch add router:12 every 2m <#C0ALERTS|noc-alerts>', { command: '/noc', user: ADMIN });
    expect(res.status).toBe(200);
    await h.waitFor(() => answers(h).length === 1, 'the answer');
    const [answer] = answers(h);
    expect(answer?.args.response_type).toBe('ephemeral');
    expect(String(answer?.args.text)).toContain('Watching router:12 every 2 min, alerts in channel C0ALERTS');
    expect(await store.listWatches()).toMatchObject([{ kind: 'router', ref: 12, intervalMs: 120_000, channel: 'C0ALERTS' }]);
    // Nothing public: no message in the channel.
    expect(h.slack.callsTo('chat.postMessage')).toEqual([]);
  });

  it('someone else is told privately to ask an admin, and the list does not change; reading works for them', async () => {
    const { h, store } = await start();
    await h.command('silence all 1h storm', { command: '/noc', user: 'U999' });
    await h.waitFor(() => answers(h).length === 1, 'the refusal');
    expect(String(answers(h)[0]?.args.text)).toContain('ask an admin: /noc silence all 1h storm');
    expect(answers(h)[0]?.args.response_type).toBe('ephemeral');
    expect(await store.silences(Date.now())).toEqual([]);
    await h.command('watch list', { command: '/noc', user: 'U999', responseId: 'list' });
    await h.waitFor(() => answers(h).length === 2, 'the list');
    expect(String(answers(h)[1]?.args.text)).toContain('Watching nothing.');
    await h.command('status', { command: '/noc', user: 'U999', responseId: 'status' });
    await h.waitFor(() => answers(h).length === 3, 'the status');
    expect(String(answers(h)[2]?.args.text)).toContain('The NOC watcher has not run on this store yet.');
  });

  it('applies PINGOPS_ALLOWED_CHANNELS (the NOC channel counts too) and refuses another workspace, admins included', async () => {
    const { h, store } = await start({ PINGOPS_ALLOWED_CHANNELS: 'C0NOC' });
    await h.command('watch add router:12', { command: '/noc', user: ADMIN, channel: 'C0RANDOM', responseId: 'a' });
    await h.waitFor(() => answers(h).length === 1, 'the refusal');
    expect(String(answers(h)[0]?.args.text)).toBe('pingops does not answer here. Use it in: C0NOC, C0NOCROOM.');
    await h.command('status', { command: '/noc', user: 'U999', channel: 'C0RANDOM', responseId: 'b' });
    await h.waitFor(() => answers(h).length === 2, 'the second refusal');
    expect(String(answers(h)[1]?.args.text)).toContain('pingops does not answer here.');
    await h.command('silence all 30d', { command: '/noc', user: ADMIN, team: 'T0THEIRS', responseId: 'c' });
    await h.waitFor(() => answers(h).length === 3, 'the third refusal');
    expect(String(answers(h)[2]?.args.text)).toContain('pingops does not answer in this workspace');
    expect(await store.listWatches()).toEqual([]);
    expect(await store.silences(Date.now())).toEqual([]);
    // In the NOC channel an admin is answered.
    await h.command('watch add router:12', { command: '/noc', user: ADMIN, channel: 'C0NOCROOM', responseId: 'd' });
    await h.waitFor(() => answers(h).length === 4, 'the answer');
    expect(String(answers(h)[3]?.args.text)).toContain('Watching router:12');
  });
});

