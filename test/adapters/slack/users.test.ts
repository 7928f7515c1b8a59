import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUserDirectory, type UserDirectory } from '../../../src/adapters/slack/users.js';
import { createSlackCall } from '../../../src/adapters/slack/web-calls.js';
import { Secret } from '../../../src/util/secret.js';
import { startFakeSlack, type FakeSlack } from '../../fakes/fake-slack.js';
import { captureLogs, type CapturedLogs } from '../../support/log-capture.js';
import { ManualClock } from '../../support/manual-clock.js';

/** The user directory on the real Web API caller, against the fake Slack's users.list and users.info. */
let slack: FakeSlack;
let clock: ManualClock;
let logs: CapturedLogs;
const directory = (o: { maxEntries?: number } = {}): UserDirectory =>
  createUserDirectory({
    call: createSlackCall({ token: new Secret('xoxb-users'), apiUrl: slack.apiUrl, timeoutMs: 2000, retries: 0 }),
    fallback: 'en',
    clock,
    logger: logs.logger,
    ...o,
  });
beforeEach(async () => {
  slack = await startFakeSlack();
  clock = new ManualClock();
  logs = captureLogs();
});
afterEach(async () => {
  await slack.close();
});

/** `n` members U0…, every third one Spanish-speaking, U1 an admin. */
function members(n: number) {
  for (let i = 0; i < n; i++) slack.setUser(`U${i}`, { locale: i % 3 === 0 ? 'es-CO' : 'en-US', isAdmin: i === 1 });
}

describe('the Slack user directory', () => {
  it('loads every member page by page (200 a page, with locales), and then asks users.info about nobody listed', async () => {
    members(450);
    const users = directory();
    expect(await users.load()).toBe(450);
    const pages = slack.callsTo('users.list').map((c) => c.args);
    expect(pages).toEqual([
      { limit: '200', include_locale: 'true' },
      { limit: '200', include_locale: 'true', cursor: '200' },
      { limit: '200', include_locale: 'true', cursor: '400' },
    ]);
    expect(await users.get('U441')).toEqual({ locale: 'es', isAdmin: false });
    expect(await users.get('U1')).toEqual({ locale: 'en', isAdmin: true });
    expect(await users.get('U2')).toEqual({ locale: 'en', isAdmin: false });
    expect(slack.callsTo('users.info')).toHaveLength(0);
    // Someone who joined since (or a guest from another workspace) is looked up as before.
    slack.setUser('UNEW', { locale: 'es-MX' });
    expect(await users.get('UNEW')).toEqual({ locale: 'es', isAdmin: false });
    expect(slack.callsTo('users.info').map((c) => c.args.user)).toEqual(['UNEW']);
  });

  it('keeps out bots and deactivated accounts: nobody types a command as one', async () => {
    slack.setUser('UPERSON', { locale: 'es-CO' });
    slack.setUser('UBOT', { isBot: true });
    slack.setUser('UGONE', { deleted: true });
    const users = directory();
    expect(await users.load()).toBe(1);
    await users.get('UBOT');
    await users.get('UGONE');
    expect(slack.callsTo('users.info').map((c) => c.args.user)).toEqual(['UBOT', 'UGONE']);
  });

  it('waits out a 429 on a page (Retry-After, on the clock) and goes on from that page', async () => {
    members(250);
    slack.on('users.list', { kind: 'rate_limited', retryAfterSec: 20 }, 1);
    const users = directory();
    const loading = users.load();
    await clock.advance(19_000);
    expect(slack.callsTo('users.list')).toHaveLength(1);
    await clock.advance(1_000);
    expect(await loading).toBe(250);
    expect(slack.callsTo('users.list').map((c) => c.args.cursor ?? null)).toEqual([null, null, '200']);
  });

  it('logs a failed load without the token and leaves everyone to users.info', async () => {
    members(3);
    slack.on('users.list', { kind: 'error', error: 'missing_scope' });
    const users = directory();
    expect(await users.load()).toBe(0);
    const warn = logs.records().find((r) => r.msg === 'users.list failed; people are looked up one by one');
    expect(warn).toMatchObject({ level: 40, loaded: 0 });
    expect(JSON.stringify(warn)).toContain('missing_scope');
    expect(logs.text()).not.toContain('xoxb-users');
    expect(await users.get('U0')).toEqual({ locale: 'es', isAdmin: false });
    expect(slack.callsTo('users.info')).toHaveLength(1);
  });

  it('reads no more pages than it keeps people', async () => {
    members(1000);
    const users = directory({ maxEntries: 300 });
    expect(await users.load()).toBe(400);
    expect(slack.callsTo('users.list')).toHaveLength(2);
    // The 300 kept are the newest: the first page's first hundred were forgotten.
    await users.get('U399');
    await users.get('U0');
    expect(slack.callsTo('users.info').map((c) => c.args.user)).toEqual(['U0']);
  });
});
