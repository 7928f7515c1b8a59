import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../src/core/errors.js';
import { MAX_RETRY_AFTER_MS, faultForStatus, parseRetryAfter, retryDelayMs, scrubber } from '../../src/pingapi/faults.js';

const NOW = Date.parse('2026-05-01T12:00:00Z');

describe('parseRetryAfter', () => {
  it.each([
    [null, null],
    [undefined, null],
    ['', null],
    ['1', 1000],
    [' 5 ', 5000],
    ['0.5', 500],
    ['0', 0],
    ['Fri, 01 May 2026 12:00:03 GMT', 3000],
    ['Fri, 01 May 2026 11:59:00 GMT', 0],
    ['-1', null],
    ['soon', null],
    ['2026', 2_026_000],
    ['2026-05-01', null],
  ])('%j → %j', (value, want) => {
    expect(parseRetryAfter(value, NOW)).toBe(want);
  });
});

describe('retryDelayMs', () => {
  const policy = { minMs: 250, maxMs: 4000 };
  it.each([
    // retry, retryAfterMs, random, want
    [1, null, 0, 250],
    [1, null, 0.5, 375],
    [2, null, 0, 500],
    [3, null, 0.999, 1999],
    [5, null, 0, 4000],
    [9, null, 0.9, 4000],
    [1, 1000, 0, 1000],
    [1, 100, 0, 250],
    [1, 120_000, 0, MAX_RETRY_AFTER_MS],
    [1, -5, 0, 250],
  ])('retry %i, Retry-After %j, jitter %d → %i ms', (retry, after, random, want) => {
    expect(retryDelayMs(retry, after, policy, random)).toBe(want);
  });

  it('stays between min and max for any jitter', () => {
    for (let retry = 1; retry <= 10; retry++) {
      for (const r of [0, 0.25, 0.5, 0.75, 0.9999, 1, -1, 2]) {
        const d = retryDelayMs(retry, null, policy, r);
        expect(d).toBeGreaterThanOrEqual(250);
        expect(d).toBeLessThanOrEqual(4000);
      }
    }
  });

  it('honours a custom Retry-After cap', () => {
    expect(retryDelayMs(1, 10_000, { minMs: 1, maxMs: 5, maxRetryAfterMs: 2000 }, 0)).toBe(2000);
  });
});

describe('faultForStatus', () => {
  it.each([
    [404, '', 'not_found', PermanentError, 'service 9 not found on the Ping API'],
    [401, '', 'auth', PermanentError, 'refused the credentials (HTTP 401)'],
    [400, '{"detail":"bad pings"}', 'rejected', PermanentError, 'rejected the request: bad pings'],
    [400, '', 'rejected', PermanentError, 'rejected the request (HTTP 400)'],
    [422, '{"detail":[{"loc":["body","pings"],"msg":"Field required"}]}', 'invalid', PermanentError, 'invalid: Field required (body.pings)'],
    [409, '', 'rejected', PermanentError, 'HTTP 409'],
    [408, '', 'timeout', TransientError, 'HTTP 408'],
    [429, '', 'rate_limited', TransientError, 'HTTP 429'],
    [500, '<html>boom</html>', 'server', TransientError, 'failed (HTTP 500)'],
    [503, '', 'server', TransientError, 'HTTP 503'],
  ])('HTTP %i %s → %s', (status, body, kind, type, message) => {
    const f = faultForStatus(status, body, null, NOW, 'service 9 not found on the Ping API');
    expect(f).toBeInstanceOf(type);
    expect((f as PermanentError | TransientError).kind).toBe(kind);
    expect((f as PermanentError | TransientError).status).toBe(status);
    expect(f.message).toContain(message);
  });

  it('carries Retry-After on 429 and 503', () => {
    expect((faultForStatus(429, '', '2', NOW, '') as TransientError).retryAfterMs).toBe(2000);
    expect((faultForStatus(503, '', '1', NOW, '') as TransientError).retryAfterMs).toBe(1000);
    expect((faultForStatus(500, '', null, NOW, '') as TransientError).retryAfterMs).toBeNull();
  });

  it('never copies an HTML error page into the message', () => {
    expect(faultForStatus(502, '<html><title>nginx</title></html>', null, NOW, '').message).not.toContain('nginx');
  });
});

describe('scrubber', () => {
  it.each([
    [['s3cr3t-key'], 'bad key s3cr3t-key given', 'bad key [redacted] given'],
    [['abcd', 'token.xyz'], 'abcd then token.xyz and abcd', '[redacted] then [redacted] and [redacted]'],
    [['ab'], 'ab is too short to matter', 'ab is too short to matter'],
    [[], 'nothing to hide', 'nothing to hide'],
  ])('%j', (secrets, text, want) => {
    expect(scrubber(() => secrets)(text)).toBe(want);
  });
});
