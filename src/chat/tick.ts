import type { CheckState } from '../core/check-state.js';

/**
 * A running state as it reads `now`, not when it was emitted: elapsed time counts on, and the
 * time to the next poll counts down. `stateAt` is when the state arrived; `startedAt` when the
 * check started (elapsed is measured from there, so a resumed check keeps its age).
 */
export function tickState(state: CheckState, stateAt: number, now: number, startedAt: number): CheckState {
  if (state.kind === 'done') return state;
  const since = Math.max(0, now - stateAt);
  const elapsedMs = Math.max(state.elapsedMs + since, now - startedAt);
  switch (state.kind) {
    case 'polling':
      return { ...state, elapsedMs, nextPollInMs: Math.max(0, state.nextPollInMs - since) };
    case 'retrying':
      return { ...state, elapsedMs, retryInMs: Math.max(0, state.retryInMs - since) };
    default:
      return { ...state, elapsedMs };
  }
}
