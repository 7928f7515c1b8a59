/**
 * Pure reader of WispHub's ping task (`GET /api/tasks/{id}/`): its Celery state, and for a
 * finished task the verdict, packet loss and RTT computed from the packets themselves. This is
 * the middleware's rule made finer: it never says "intermittent", and it throws loss and RTT away.
 */
import { TransientError } from '../../core/errors.js';
import type { ApiVerdict, TaskResult } from '../../core/verdict.js';
import { isPublicIPv4 } from '../../util/ip.js';
import { cleanMessage, parseBody } from '../normalize.js';

/** What decides between stable and intermittent. */
export interface VerdictRule {
  /** Client packet loss (%) from which a line that answers is intermittent. */
  intermittentLossPct: number;
}

/** Celery states that mean "not done yet" (STARTED/RETRY/RECEIVED appear on some workers). */
const RUNNING = new Set(['PENDING', 'PROCESS', 'STARTED', 'RETRY', 'RECEIVED']);

const DURATION = /^(?:(\d+)s)?(?:(\d+)ms)?(?:(\d+)us)?$/;

/** A RouterOS duration (`1ms287us`, `5ms`, `12ms5us`, `870us`, `1s20ms`) in milliseconds; null when unreadable. */
export function parseRouterDuration(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (s === '') return null;
  const m = DURATION.exec(s);
  if (!m) return null;
  const [, sec, ms, us] = m;
  return Number(sec ?? 0) * 1000 + Number(ms ?? 0) + Number(us ?? 0) / 1000;
}

/** One packet of a result, as much as the verdict needs. */
interface Packet {
  host: string;
  sent: number;
  /** Packets that drew an answer from `host`: replies, or a "host unreachable" it sent. */
  answered: number;
  /** The reply's RTT (ms) when it was a real reply. */
  rttMs: number | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function count(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

function packetOf(v: Record<string, unknown>): Packet | null {
  const host = v['host'];
  if (typeof host !== 'string' || host.trim() === '') return null;
  const sent = Math.max(1, count(v['sent']));
  const received = Math.min(sent, count(v['received']));
  const unreachable = typeof v['status'] === 'string' && v['status'].trim().toLowerCase() === 'host unreachable';
  const answered = received > 0 ? received : unreachable ? sent : 0;
  const rttMs = received > 0 ? (parseRouterDuration(v['avg-rtt']) ?? parseRouterDuration(v['time'])) : null;
  return { host: host.trim(), sent, answered, rttMs };
}

/** RouterOS errors arrive as a Python tuple repr: `('Error "…" executing command …', 'short reason')`. */
export function routerErrorText(raw: string): string | null {
  const short = /,\s*'([^']*)'\)\s*$/.exec(raw)?.[1];
  return cleanMessage(short ?? raw, 300);
}

const final = (verdict: ApiVerdict, message: string | null, lossPct: number | null = null, rttMs: number | null = null): TaskResult => ({
  kind: 'final',
  verdict,
  message,
  lossPct,
  rttMs,
});

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * The verdict of a finished SUCCESS result. Packets from private addresses (or MACs) are the
 * client's device; from public ones, the antenna. Client answers: stable or intermittent by
 * loss; only the antenna: antenna_only; nothing: no_internet; only router errors: failed.
 */
export function verdictFromPackets(items: readonly unknown[], rule: VerdictRule): TaskResult {
  const packets: Packet[] = [];
  const errors: string[] = [];
  for (const item of items) {
    if (!isObject(item)) continue;
    for (const [key, value] of Object.entries(item)) {
      if (!/^ping-\d+$/.test(key)) continue;
      if (typeof value === 'string') errors.push(value);
      else if (isObject(value)) {
        const p = packetOf(value);
        if (p) packets.push(p);
      }
    }
  }
  if (packets.length === 0) {
    const first = errors[0];
    return final('failed', first !== undefined ? routerErrorText(first) : 'WispHub reported no packets');
  }
  const client = packets.filter((p) => !isPublicIPv4(p.host));
  const antenna = packets.filter((p) => isPublicIPv4(p.host));
  const sent = client.reduce((a, p) => a + p.sent, 0);
  const answered = client.reduce((a, p) => a + p.answered, 0);
  const lossPct = sent > 0 ? round((100 * (sent - answered)) / sent, 1) : null;
  const rtts = client.flatMap((p) => (p.rttMs === null ? [] : [p.rttMs]));
  const rttMs = rtts.length > 0 ? round(rtts.reduce((a, b) => a + b, 0) / rtts.length, 3) : null;
  if (answered > 0) {
    return final((lossPct ?? 0) >= rule.intermittentLossPct ? 'intermittent' : 'stable', null, lossPct, rttMs);
  }
  if (antenna.some((p) => p.answered > 0)) return final('antenna_only', null, lossPct, null);
  return final('no_internet', null, lossPct, null);
}

const malformed = (status: number) => new TransientError('malformed', 'WispHub answered a ping task that could not be read', status);

/**
 * A 2xx answer of `GET /api/tasks/{id}/` as a TaskResult: running states are pending, FAILURE
 * is failed with WispHub's text, SUCCESS is read packet by packet. Throws
 * TransientError('malformed') for anything else in shape (HTML, a list, no `task.status`).
 */
export function readWispHubTask(status: number, bodyText: string, rule: VerdictRule): TaskResult {
  const parsed = parseBody(bodyText);
  if (parsed.kind !== 'value' || !isObject(parsed.value)) throw malformed(status);
  const task = parsed.value['task'];
  if (!isObject(task) || typeof task['status'] !== 'string') throw malformed(status);
  const state = task['status'].trim().toUpperCase();
  const result = task['result'];
  if (RUNNING.has(state)) return { kind: 'pending', message: null };
  if (state === 'SUCCESS') {
    if (!Array.isArray(result)) throw malformed(status);
    return verdictFromPackets(result, rule);
  }
  if (state === 'FAILURE') return final('failed', cleanMessage(result, 300) ?? 'the WispHub ping task failed');
  // REVOKED and other Celery end states: the task will not run.
  return final('failed', `the WispHub ping task ended as ${cleanMessage(state, 40) ?? 'unknown'}`);
}
