/** What the Ping API itself can conclude about a line. */
export type ApiVerdict = 'stable' | 'intermittent' | 'no_internet' | 'antenna_only' | 'failed';

/** The final outcome of a check: the API's verdict, or one our side reached. */
export type Verdict = ApiVerdict | 'timed_out' | 'cancelled';

export const API_VERDICTS: readonly ApiVerdict[] = ['stable', 'intermittent', 'no_internet', 'antenna_only', 'failed'];
export const VERDICTS: readonly Verdict[] = [...API_VERDICTS, 'timed_out', 'cancelled'];

/** One answer of `GET /api/v1/ping/{task_id}/`, normalised. */
export type TaskResult =
  | { kind: 'pending'; message: string | null }
  | { kind: 'final'; verdict: ApiVerdict; message: string | null };
