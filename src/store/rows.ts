/**
 * Rows as both SQL stores keep them, and how they read back into the ports' records: the same
 * columns on SQLite and PostgreSQL (booleans are 0/1 on SQLite, true/false on PostgreSQL).
 */
import type { DoneState } from '../core/check-state.js';
import type { ClientRecord } from '../core/client.js';
import type { Verdict } from '../core/verdict.js';
import type { CheckMessages, MentionState, StoredCheck, StoredDurationModel, WatchEntry, WatchKind } from './ports.js';
import { weightsSchema } from './records.js';

/** One row of `checks`. */
export interface CheckRow {
  id: string;
  service_id: number;
  packets: number;
  task_id: string | null;
  requester: string;
  requester_name: string | null;
  surface: string;
  channel: string;
  thread: string | null;
  messages: string;
  locale: string;
  client: string | null;
  state: string;
  verdict: string | null;
  final: string | null;
  loss_pct: number | null;
  rtt_ms: number | null;
  started_at: number;
  deadline_at: number;
  updated_at: number;
  finished_at: number | null;
  mention: string;
  delivered: number | boolean;
}

/** JSON text read back; null when missing or damaged. */
export function parseJson<T>(text: string | null): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

export function fromRow(r: CheckRow): StoredCheck {
  return {
    id: r.id,
    serviceId: r.service_id,
    packets: r.packets,
    taskId: r.task_id,
    requester: r.requester,
    requesterName: r.requester_name,
    surface: r.surface,
    place: { channel: r.channel, thread: r.thread },
    messages: parseJson<CheckMessages>(r.messages) ?? {},
    locale: r.locale === 'en' ? 'en' : 'es',
    client: parseJson<ClientRecord>(r.client),
    state: r.state,
    verdict: r.verdict as Verdict | null,
    final: parseJson<DoneState>(r.final),
    lossPct: r.loss_pct,
    rttMs: r.rtt_ms,
    startedAt: r.started_at,
    deadlineAt: r.deadline_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    mention: r.mention as MentionState,
    delivered: r.delivered === 1 || r.delivered === true,
  };
}

/** One row of `noc_watch`. */
export interface WatchRow {
  id: number;
  kind: WatchKind;
  ref: number | null;
  interval_ms: number;
  channel: string | null;
  created_at: number;
}

export const toWatch = (r: WatchRow): WatchEntry => ({ id: r.id, kind: r.kind, ref: r.ref, intervalMs: r.interval_ms, channel: r.channel, createdAt: r.created_at });

/** One row of `duration_models`. */
export interface DurationModelRow {
  key: string;
  bin_ms: number;
  weights: string;
  observed: number;
  updated_at: number;
}

/**
 * The models that parse. A row that does not (written by hand, or by a pingops with another
 * model) is skipped: the schedule starts that key from the packet model again.
 */
export function toDurationModels(rows: readonly DurationModelRow[]): StoredDurationModel[] {
  const out: StoredDurationModel[] = [];
  for (const row of rows) {
    let weights: number[];
    try {
      weights = weightsSchema.parse(JSON.parse(row.weights));
    } catch {
      continue;
    }
    out.push({ key: row.key, model: { binMs: row.bin_ms, weights, observed: row.observed }, updatedAt: row.updated_at });
  }
  return out;
}
