import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/util/logger.js';
import { CENSOR, redactSecrets } from '../../src/util/redact-secrets.js';

describe('redactSecrets', () => {
  it.each([
    ['a secret key at the top', { token: 'xoxb-1', check: 'c1' }, { token: CENSOR, check: 'c1' }],
    ['any case', { Authorization: 'Bearer x', apiKey: 'k', API_KEY: 'k2', Password: 'p', SECRET: 's' }, { Authorization: CENSOR, apiKey: CENSOR, API_KEY: CENSOR, Password: CENSOR, SECRET: CENSOR }],
    ['one object down', { slack: { token: 'xoxb-2', team: 'T1' }, n: 1 }, { slack: { token: CENSOR, team: 'T1' }, n: 1 }],
    ['headers at the top', { headers: { authorization: 'Bearer y', 'x-api-key': 'k', accept: 'json' } }, { headers: { authorization: CENSOR, 'x-api-key': CENSOR, accept: 'json' } }],
    ['headers one object down', { req: { headers: { Authorization: 'Bearer z' }, url: '/v1' } }, { req: { headers: { Authorization: CENSOR }, url: '/v1' } }],
    ['a secret key whose value is an object', { secret: { value: 's' }, list: ['a'] }, { secret: CENSOR, list: ['a'] }],
    ['nothing to hide', { check: 'c1', messages: { root: '1.2' } }, { check: 'c1', messages: { root: '1.2' } }],
    ['deeper than the net reaches (as pino paths did not either)', { a: { b: { token: 'deep' } } }, { a: { b: { token: 'deep' } } }],
  ])('%s', (_what, line, expected) => {
    expect(redactSecrets(line as Record<string, unknown>)).toEqual(expected);
  });

  it('copies nothing when there is nothing to hide, and never changes what it was given', () => {
    const clean = { check: 'c1', nested: { a: 1 } };
    expect(redactSecrets(clean)).toBe(clean);
    const dirty = { nested: { token: 't' } };
    const out = redactSecrets(dirty);
    expect(out).not.toBe(dirty);
    expect(dirty.nested.token).toBe('t');
  });

  it('ends on an object that refers to itself through its headers: a log line never runs out of stack', () => {
    const req: Record<string, unknown> = { url: '/v1', authorization: 'Bearer loop' };
    req.headers = req;
    const out = redactSecrets({ req }).req as Record<string, unknown>;
    expect(out.authorization).toBe(CENSOR);
    expect(out.url).toBe('/v1');
    expect(req.authorization).toBe('Bearer loop');
  });

  it('keeps an error an error, with its message and stack, when one of its fields is hidden', () => {
    const err = Object.assign(new Error('boom'), { token: 'xoxb-3', code: 'E1' });
    const out = redactSecrets({ err }).err as Error & { token: string; code: string };
    expect(out).toBeInstanceOf(Error);
    expect(out.message).toBe('boom');
    expect(out.stack).toBe(err.stack);
    expect(out.token).toBe(CENSOR);
    expect(out.code).toBe('E1');
  });
});

describe('the process logger', () => {
  it('writes no secret from a line, a nested object, headers, an error or a child logger\'s bindings', () => {
    const lines: string[] = [];
    const log = createLogger('info', { write: (s: string) => void lines.push(s) });
    log.child({ token: 'child-secret', surface: 'slack' }).info({ settings: { password: 'pw-secret' }, headers: { authorization: 'Bearer hdr-secret' } }, 'hello');
    log.warn({ err: Object.assign(new Error('failed'), { apiKey: 'err-secret' }) }, 'oops');
    const text = lines.join('');
    for (const secret of ['child-secret', 'pw-secret', 'hdr-secret', 'err-secret']) expect(text).not.toContain(secret);
    const [first, second] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toMatchObject({ token: CENSOR, surface: 'slack', settings: { password: CENSOR }, headers: { authorization: CENSOR }, msg: 'hello' });
    expect(second).toMatchObject({ err: { message: 'failed', apiKey: CENSOR }, msg: 'oops' });
  });
});
