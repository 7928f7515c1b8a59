import { describe, expect, it } from 'vitest';
import type { CheckState } from '../../src/core/check-state.js';
import { tickState } from '../../src/chat/tick.js';
import { renderCheck } from '../../src/present/render.js';

const polling: CheckState = { kind: 'polling', serviceId: 1001, taskId: 't', attempt: 2, elapsedMs: 4000, nextPollInMs: 1500 };

describe('tickState', () => {
  it.each([
    { name: 'at once', at: 10_000, now: 10_000, elapsed: 4000, next: 1500 },
    { name: 'a second later', at: 10_000, now: 11_000, elapsed: 5000, next: 500 },
    { name: 'past the poll', at: 10_000, now: 12_000, elapsed: 6000, next: 0 },
  ])('counts on $name', ({ at, now, elapsed, next }) => {
    expect(tickState(polling, at, now, 6000)).toMatchObject({ elapsedMs: elapsed, nextPollInMs: next });
  });

  it('measures a resumed check from its first start, not from the restart', () => {
    const resumed: CheckState = { kind: 'created', serviceId: 1001, taskId: 't', elapsedMs: 0 };
    expect(tickState(resumed, 50_000, 50_000, 20_000)).toMatchObject({ elapsedMs: 30_000 });
  });

  it('leaves a done state alone', () => {
    const done: CheckState = { kind: 'done', serviceId: 1, taskId: null, verdict: 'stable', message: null, polls: 1, elapsedMs: 5, reason: { kind: 'verdict' }, cached: false, lossPct: null, rttMs: null };
    expect(tickState(done, 0, 99_999, 0)).toBe(done);
  });

  it('the status line says when the check gives up', () => {
    expect(renderCheck(tickState(polling, 0, 1000, 0), null, 'en', { timeoutMs: 60_000 }).status).toBe('Waiting for the verdict · poll 2 in 0.5 s · 5.0 s so far · gives up at 60 s');
    expect(renderCheck(polling, null, 'es', { timeoutMs: 300_000 }).status).toContain('se rinde a los 5 min');
  });
});
