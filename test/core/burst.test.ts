import { describe, expect, it } from 'vitest';
import { runBurst } from '../support/burst.js';

/**
 * Issue 8's done-when, in virtual time: 200 distinct checks at once, the default budget
 * (100 requests/min, a quarter of it as burst), 3-second tasks, two live messages per check on
 * Slack's default edit budget (45/min). Before the ordered queue, 200 at once gave 0 verdicts.
 */
describe('a burst of 200 checks under the default budget', () => {
  it('ends every check in a real verdict, reads every task, tells everyone, within 1.3x the budget bound', async () => {
    const r = await runBurst({ checks: 200, ratePerMin: 100, taskMs: 3000, editsPerMin: 45, minEditIntervalMs: 1500 });
    expect(r.realVerdicts).toBe(200);
    expect(r.timedOut).toBe(0);
    expect(r.createdNeverRead).toBe(0);
    expect(r.told).toBe(200);
    // People were shown their place in line.
    expect(r.maxAheadShown).toBeGreaterThan(100);
    // The budget's own bound: requests needed / rate.
    expect(r.totalMs).toBeLessThanOrEqual(1.3 * r.budgetBoundMs);
    // Every live message shows its verdict; the last one no later than the edit budget's own
    // bound for 400 final edits, plus what progress edits may cost (⌊10/2⌋ + 1 tokens) and one edit interval.
    expect(r.messagesOnVerdict).toBe(400);
    const msPerEdit = 60_000 / 45;
    expect(r.lastMessageFinalMs).toBeLessThanOrEqual(Math.max(r.totalMs, r.editBoundMs) + 6 * msPerEdit + 1500);
  }, 60_000);
});
