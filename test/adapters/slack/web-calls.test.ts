import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifySlackError, toEditorError } from '../../../src/adapters/slack/web.js';
import { createSlackCall, formBody, retryAfterSeconds, type SlackCall } from '../../../src/adapters/slack/web-calls.js';
import { RateLimitedError } from '../../../src/chat/live-message.types.js';
import { Secret } from '../../../src/util/secret.js';
import { startFakeSlack, type FakeSlack } from '../../fakes/fake-slack.js';

/** The Web API calls of every check, on the wire to the fake Slack: what went out, what came back. */
let slack: FakeSlack;
let call: SlackCall;
beforeEach(async () => {
  slack = await startFakeSlack();
  call = createSlackCall({ token: new Secret('xoxb-web-calls'), apiUrl: slack.apiUrl, timeoutMs: 2000 });
});
afterEach(async () => {
  await slack.close();
});

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (err: unknown) => err);

describe('the Slack Web API caller', () => {
  it('posts a chat.* call as JSON with the bearer token, leaving out empty arguments, and answers Slack\'s fields', async () => {
    const res = await call('chat.postMessage', { channel: 'C1', thread_ts: '1.1', text: 'hi & bye', blocks: [{ type: 'section', text: { type: 'plain_text', text: 'a+b' } }], unfurl_links: false, nothing: undefined, none: null });
    expect(res.ok).toBe(true);
    expect(typeof res.ts).toBe('string');
    const [c] = slack.callsTo('chat.postMessage');
    expect(c?.token).toBe('xoxb-web-calls');
    expect(c?.contentType).toBe('application/json; charset=utf-8');
    expect(JSON.parse(c?.raw ?? '')).toEqual({ channel: 'C1', thread_ts: '1.1', text: 'hi & bye', blocks: [{ type: 'section', text: { type: 'plain_text', text: 'a+b' } }], unfurl_links: false });
    expect(c?.raw).not.toContain('xoxb');
  });

  it('reads users.info as Slack answers it, asked with a form (Slack takes JSON only for write methods)', async () => {
    slack.setUser('U7', { locale: 'es-LA', isAdmin: true });
    const res = await call('users.info', { user: 'U7', include_locale: true });
    expect(res.user).toMatchObject({ id: 'U7', locale: 'es-LA', is_admin: true });
    const [c] = slack.callsTo('users.info');
    expect(c?.contentType).toBe('application/x-www-form-urlencoded');
    expect(c?.args).toEqual({ user: 'U7', include_locale: 'true' });
  });

  it('throws ok:false as a platform error, once, that web.ts classifies as the WebClient\'s', async () => {
    slack.on('chat.postMessage', { kind: 'error', error: 'not_in_channel' }, 5);
    const err = await failure(call('chat.postMessage', { channel: 'C1', text: 'x' }));
    expect(classifySlackError(err)).toEqual({ kind: 'platform', error: 'not_in_channel' });
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(String((err as Error).message)).not.toContain('xoxb');
  });

  it('throws a 429 at once with its Retry-After, which LiveMessage waits out per message', async () => {
    slack.on('chat.update', { kind: 'rate_limited', retryAfterSec: 7 }, 5);
    const err = await failure(call('chat.update', { channel: 'C1', ts: '1.1', text: 'x' }));
    expect(classifySlackError(err)).toEqual({ kind: 'rate_limited', retryAfterMs: 7000 });
    expect(toEditorError(err)).toBeInstanceOf(RateLimitedError);
    expect(slack.callsTo('chat.update')).toHaveLength(1);
  });

  it('tries an unexpected status twice more, then gives up with an HTTP error', async () => {
    slack.on('chat.update', { kind: 'http', status: 503, body: 'upstream' }, 2);
    const ok = await call('chat.update', { channel: 'C1', ts: '1.1', text: 'x' });
    expect(ok.ok).toBe(true);
    expect(slack.callsTo('chat.update')).toHaveLength(3);

    slack.on('chat.update', { kind: 'http', status: 502 }, 10);
    const err = await failure(call('chat.update', { channel: 'C1', ts: '1.1', text: 'y' }));
    expect(err).toMatchObject({ code: 'slack_webapi_http_error', statusCode: 502 });
    expect(slack.callsTo('chat.update')).toHaveLength(6);
  });

  it('reports a refused connection as a request error, without the token', async () => {
    const gone = createSlackCall({ token: new Secret('xoxb-secret-token'), apiUrl: 'http://127.0.0.1:9/api/', timeoutMs: 1000, retries: 0 });
    const err = await failure(gone('chat.postMessage', { channel: 'C1', text: 'x' }));
    expect(err).toMatchObject({ code: 'slack_webapi_request_error' });
    expect(classifySlackError(err).kind).toBe('other');
    expect(JSON.stringify(err) + String(err)).not.toContain('xoxb-secret-token');
  });
});

describe('formBody and retryAfterSeconds', () => {
  it.each([
    [{ a: 'x y', b: 2, c: true }, 'a=x+y&b=2&c=true'],
    [{ blocks: [{ t: 1 }] }, 'blocks=%5B%7B%22t%22%3A1%7D%5D'],
    [{ a: null, b: undefined, c: '' }, 'c='],
  ])('%j → %s', (args, body) => {
    expect(formBody(args)).toBe(body);
  });
  it.each([
    ['7', 7],
    [' 30 ', 30],
    [null, 1],
    ['soon', 1],
    ['-3', 1],
  ])('Retry-After %j → %d s', (header, s) => {
    expect(retryAfterSeconds(header)).toBe(s);
  });
});
