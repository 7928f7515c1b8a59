import type { Fault } from './errors.js';
import type { Verdict } from './verdict.js';

/** Why a check ended without the API's own verdict, when it did. */
export type DoneReason =
  | { kind: 'verdict' }
  | { kind: 'deadline' }
  /** `shutdown`: the bot stopped, not a person; `by` is then null. */
  | { kind: 'cancelled'; by: string | null; shutdown?: true }
  /** Refused or given up before a task was created: the request queue was full or too slow. */
  | { kind: 'busy'; retryAfterMs: number }
  | { kind: 'error'; fault: Fault };

/** Every state one check passes through; the last is always `done`. */
export type CheckState =
  | { kind: 'starting'; serviceId: number; elapsedMs: number }
  /** Waiting for request budget before creating the task; `ahead` checks go first. */
  | { kind: 'queued'; serviceId: number; ahead: number; etaMs: number; elapsedMs: number }
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
      /** Packet loss 0-100 over the client's packets; null when unknown (middleware, cancelled, timed out). */
      lossPct: number | null;
      /** Average RTT of the client's replies in ms; null when unknown or no reply. */
      rttMs: number | null;
    };

export type DoneState = Extract<CheckState, { kind: 'done' }>;
