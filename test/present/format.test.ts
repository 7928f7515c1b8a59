import { describe, expect, it } from 'vitest';
import { firstLine, formatCop, formatElapsed, isoDate, oneLine, shortTaskId, todayIso, truncate } from '../../src/present/format.js';
import { formatLossPct, formatRttMs } from '../../src/present/format.js';

describe('formatElapsed', () => {
  it.each([
    [0, 'en', '0.0 s'],
    [-5, 'en', '0.0 s'],
    [Number.NaN, 'en', '0.0 s'],
    [4500, 'en', '4.5 s'],
    [4500, 'es', '4,5 s'],
    [2000, 'en', '2.0 s'],
    [1249, 'en', '1.2 s'],
    [59_940, 'en', '59.9 s'],
    [59_960, 'en', '1 min 00 s'],
    [65_000, 'en', '1 min 05 s'],
    [125_400, 'es', '2 min 05 s'],
  ] as const)('%d ms in %s is %s', (ms, locale, text) => {
    expect(formatElapsed(ms, locale)).toBe(text);
  });

  it('defaults to English', () => {
    expect(formatElapsed(6200)).toBe('6.2 s');
  });
});

describe('formatCop', () => {
  it.each([
    [0, '$0'],
    [999, '$999'],
    [1000, '$1.000'],
    [65000, '$65.000'],
    [130000, '$130.000'],
    [1234567.6, '$1.234.568'],
    [-5000, '-$5.000'],
    [Number.POSITIVE_INFINITY, '$?'],
    [1e308, '$?'],
    [Number.MAX_SAFE_INTEGER + 2, '$?'],
  ])('%d is %s', (amount, text) => {
    expect(formatCop(amount)).toBe(text);
  });
});

describe('truncate and firstLine', () => {
  it.each([
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['eleven chars', 10, 'eleven ch…'],
    ['📡📡📡📡', 3, '📡📡…'],
  ])('truncate(%j, %d) is %j', (text, max, out) => {
    expect(truncate(text, max)).toBe(out);
  });

  it('caps at 200 characters by default', () => {
    const out = truncate('x'.repeat(500));
    expect(Array.from(out)).toHaveLength(200);
    expect(out.endsWith('…')).toBe(true);
  });

  it.each([
    ['Ana\n\nMorales', 'Ana Morales'],
    ['  a\tb  ', 'a b'],
    ['<!here>\n*x*', '<!here> *x*'],
  ])('oneLine(%j) is %j', (text, out) => {
    expect(oneLine(text)).toBe(out);
  });

  it('keeps only the first line of a message', () => {
    expect(firstLine('boom\n    at Object.<anonymous> (/app/x.js:1:1)')).toBe('boom');
    expect(firstLine('')).toBe('');
  });
});

describe('dates and ids', () => {
  it.each([
    ['2026-10-05', '2026-10-05'],
    ['2026-10-05T00:00:00Z', '2026-10-05'],
    ['2026-10-05 00:00', '2026-10-05'],
    ['05/10/2026', null],
    ['2026-10-05junk', null],
    ['', null],
    [null, null],
  ])('isoDate(%j) is %j', (text, out) => {
    expect(isoDate(text)).toBe(out);
  });

  it('tells today in UTC', () => {
    expect(todayIso(Date.UTC(2026, 9, 5, 23, 59))).toBe('2026-10-05');
  });

  it('shortens a task id to 8 characters', () => {
    expect(shortTaskId('7f4c2a9e-3b1d-4e8a-9c55-0d6e2f1a8b34')).toBe('7f4c2a9e');
    expect(shortTaskId('t-1')).toBe('t-1');
  });
});

describe('formatLossPct and formatRttMs', () => {
  it.each([
    [0, 'en', '0 %'],
    [100, 'en', '100 %'],
    [12.5, 'en', '12.5 %'],
    [12.5, 'es', '12,5 %'],
    [33.333, 'en', '33.3 %'],
    [-3, 'en', '0 %'],
    [140, 'en', '100 %'],
    [Number.NaN, 'en', '0 %'],
  ] as const)('loss %s (%s) → %s', (pct, locale, want) => {
    expect(formatLossPct(pct, locale)).toBe(want);
  });

  it.each([
    [23.4, 'en', '23 ms'],
    [49.5, 'en', '50 ms'],
    [2.068, 'en', '2.1 ms'],
    [2.068, 'es', '2,1 ms'],
    [4, 'en', '4 ms'],
    [0.87, 'en', '0.9 ms'],
    [-1, 'en', '0 ms'],
  ] as const)('rtt %s (%s) → %s', (ms, locale, want) => {
    expect(formatRttMs(ms, locale)).toBe(want);
  });
});
