/** What the Ping API itself can conclude about a line. */
export type ApiVerdict = 'stable' | 'intermittent' | 'no_internet' | 'antenna_only' | 'failed';

/** The final outcome of a check: the API's verdict, or one our side reached. */
export type Verdict = ApiVerdict | 'timed_out' | 'cancelled';

export const API_VERDICTS: readonly ApiVerdict[] = ['stable', 'intermittent', 'no_internet', 'antenna_only', 'failed'];
export const VERDICTS: readonly Verdict[] = [...API_VERDICTS, 'timed_out', 'cancelled'];

/** One answer of a provider's task poll, normalised. */
export type TaskResult =
  | { kind: 'pending'; message: string | null }
  | {
      kind: 'final';
      verdict: ApiVerdict;
      message: string | null;
      /** Packet loss 0-100 over the client's packets; null when the provider does not say (the middleware). */
      lossPct: number | null;
      /** Average round-trip time of the client's replies in ms; null when none or unknown. */
      rttMs: number | null;
    };
