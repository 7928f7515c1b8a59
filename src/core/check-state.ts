import type { Fault } from './errors.js';
import type { Verdict } from './verdict.js';

/** Why a check ended without the API's own verdict, when it did. */
export type DoneReason =
  | { kind: 'verdict' }
  | { kind: 'deadline' }
  | { kind: 'cancelled'; by: string | null }
  | { kind: 'error'; fault: Fault };

/** Every state one check passes through; the last is always `done`. */
export type CheckState =
  | { kind: 'starting'; serviceId: number; elapsedMs: number }
  | { kind: 'created'; serviceId: number; taskId: string; elapsedMs: number }
  | { kind: 'polling'; serviceId: number; taskId: string; attempt: number; elapsedMs: number; nextPollInMs: number }
  | { kind: 'retrying'; serviceId: number; taskId: string | null; fault: Fault; attempt: number; elapsedMs: number; retryInMs: number }
  | {
      kind: 'done';
      serviceId: number;
      taskId: string | null;
      verdict: Verdict;
      /** The API's own message, untrusted text. */
      message: string | null;
      polls: number;
      elapsedMs: number;
      reason: DoneReason;
      /** True when this verdict came from the result cache, not a new task. */
      cached: boolean;
      /** Packet loss in percent, when the API reported it. */
      lossPct: number | null;
      /** Average round-trip time in ms, when the API reported it. */
      rttMs: number | null;
    };

export type DoneState = Extract<CheckState, { kind: 'done' }>;
