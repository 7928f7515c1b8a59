/**
 * WispHub's ping task, as its API shows it (`GET /api/tasks/{id}/`), and the rule that turns
 * a finished task into a verdict. The simulator builds tasks in exactly the fixtures' form and
 * then derives its answer from them, so the verdict rule is exercised, not assumed.
 */
import type { ApiVerdict } from '../core/verdict.js';
import type { Scenario } from './scenarios.js';
import { isPublicIPv4 } from '../util/ip.js';
import { between } from './seeded.js';

/** Celery's task states as WispHub reports them; other Celery states may appear on the wire. */
export type WispHubTaskStatus = 'PENDING' | 'PROCESS' | 'SUCCESS' | 'FAILURE';

/** One `ping-k` packet as the router reported it. Values are strings on the wire. */
export interface WispHubProbe {
  host: string;
  sent: string;
  received: string;
  'packet-loss': string;
  seq?: string;
  /** `timeout`, `host unreachable`, … ; absent on a reply. */
  status?: string;
  time?: string;
  'min-rtt'?: string;
  'avg-rtt'?: string;
  'max-rtt'?: string;
  ttl?: string;
  size?: string;
}

/** One item of `result`: `{"ping-k": probe | router error string}` or `{"ping-exitoso": "k de N"}`. */
export type WispHubResultItem = Record<string, WispHubProbe | string>;

/** The `task` object of WispHub's task answer. */
export interface WispHubTask {
  status: WispHubTaskStatus | (string & {});
  result: WispHubResultItem[] | string | null;
}

/** A task that has ended, with its final result. */
export type FinishedWispHubTask =
  | { status: 'SUCCESS'; result: WispHubResultItem[] }
  | { status: 'FAILURE'; result: string };

/** Celery states that mean "not done yet" (STARTED/RETRY/RECEIVED appear on some workers). */
const RUNNING = new Set(['PENDING', 'PROCESS', 'STARTED', 'RETRY', 'RECEIVED']);

/** Below this share of answered packets a line is intermittent (the API's documented rule). */
const STABLE_RATIO = 0.8;

/**
 * The verdict a finished WispHub task implies, or 'pending' while it runs.
 *
 * Rule (ping-api.md §6): FAILURE or only router errors → failed; the customer's device (a
 * private IP or a MAC) never answering while the antenna's public IP answers something (a
 * reply or an ICMP error such as "host unreachable") → antenna_only; otherwise received/sent:
 * 0 → no_internet, below 0.8 → intermittent, else stable. `ping-exitoso` is ignored on
 * purpose: WispHub counts ICMP errors from the antenna as successes there.
 */
export function verdictFromWispHubTask(task: WispHubTask): ApiVerdict | 'pending' {
  if (RUNNING.has(task.status)) return 'pending';
  if (task.status !== 'SUCCESS') return 'failed';
  const probes = probesOf(task.result);
  if (probes.length === 0) return 'failed';

  const customer = probes.filter((p) => !isPublicIPv4(p.host));
  const antenna = probes.filter((p) => isPublicIPv4(p.host));
  const customerReceived = sum(customer, 'received');
  if (customer.length > 0 && customerReceived === 0 && antenna.some(answeredSomething)) return 'antenna_only';

  // The verdict is about the customer's line; a customer with a public IP has only "antenna" hosts.
  const measured = customer.length > 0 ? customer : antenna;
  const sent = sum(measured, 'sent');
  const received = sum(measured, 'received');
  if (sent <= 0) return 'failed';
  const ratio = received / sent;
  if (ratio <= 0) return 'no_internet';
  return ratio < STABLE_RATIO ? 'intermittent' : 'stable';
}

/** Why a task failed, in the router's own short words, or null when it did not fail. */
export function failureReasonOf(task: WispHubTask): string | null {
  if (RUNNING.has(task.status)) return null;
  if (task.status !== 'SUCCESS') {
    return typeof task.result === 'string' && task.result.trim() !== '' ? clip(task.result) : `task ${clip(task.status)}`;
  }
  if (probesOf(task.result).length > 0) return null;
  const errors = Array.isArray(task.result) ? task.result.flatMap((item) => pingEntries(item).filter((v): v is string => typeof v === 'string')) : [];
  const first = errors[0];
  if (first === undefined) return 'no packets were sent';
  // RouterOS errors arrive as a Python tuple repr: ('Error "…" executing command …', 'short reason')
  const short = /,\s*'([^']*)'\)\s*$/.exec(first)?.[1];
  return clip(short ?? first);
}

/** Formats a round-trip time the way RouterOS does: `540ms`, `2ms104us`, `870us`. */
export function formatRouterDuration(us: number): string {
  const total = Math.max(0, Math.round(us));
  const ms = Math.floor(total / 1000);
  const rest = total % 1000;
  if (ms === 0) return `${rest}us`;
  return rest === 0 ? `${ms}ms` : `${ms}ms${rest}us`;
}

/** What a ping task talks to: the customer's device, the sector antenna and the router port. */
export interface ProbeTarget {
  /** Private IP or MAC of the customer's device (the line's `antenna_ip` in the client card). */
  customerHost: string;
  /** Public IP of the sector antenna the customer hangs from. */
  antennaHost: string;
  /** The router's LAN interface for this line, named in interface errors. */
  lanInterface: string;
}

/** A scenario that ends (everything but `never`). */
export type FinishingScenario = Exclude<Scenario, { outcome: 'never' }>;

/**
 * The final WispHub result of pinging `target` with `packets` packets under `scenario`.
 * Which packets are lost and the round-trip times come from `random`; the resulting verdict
 * follows the scenario for any packet count, except where one packet cannot show it
 * (intermittent needs two packets, antenna-only needs two hosts).
 */
export function buildWispHubResult(
  scenario: FinishingScenario,
  packets: number,
  target: ProbeTarget,
  random: () => number,
): FinishedWispHubTask {
  const n = Math.max(1, Math.trunc(packets));
  if (scenario.outcome === 'failed') {
    if (scenario.failure === 'task_failure') {
      return { status: 'FAILURE', result: random() < 0.5 ? 'router did not answer' : `timeout connecting to router API for ${target.lanInterface}` };
    }
    const err = `('Error "input does not match any value of interface" executing command /ping =count=1 =interface=${target.lanInterface} =address=${target.customerHost}', 'input does not match any value of interface')`;
    return finish(Array.from({ length: n }, () => err));
  }

  const probes: WispHubProbe[] = [];
  switch (scenario.outcome) {
    case 'stable': {
      // Some packets may drop and the line still counts as stable: strictly under a fifth, so
      // both the middleware's rule (80 % answered) and pingops's (loss under 20 %) agree.
      const lost = random() < 0.3 ? Math.ceil(n / 5) - 1 : 0;
      const lostAt = chooseIndexes(n, lost, random);
      for (let i = 0; i < n; i++) {
        probes.push(lostAt.has(i) ? timeout(target.customerHost) : reply(target.customerHost, between(random, 900, 4800)));
      }
      break;
    }
    case 'intermittent': {
      // Strictly below the stable share, at least one answer when there are two packets or more.
      const maxReceived = Math.ceil((4 * n) / 5) - 1;
      const received = n === 1 ? (random() < 0.5 ? 1 : 0) : between(random, Math.max(1, Math.ceil(n * 0.3)), Math.max(1, maxReceived));
      const lostAt = chooseIndexes(n, n - received, random);
      for (let i = 0; i < n; i++) {
        probes.push(lostAt.has(i) ? timeout(target.customerHost) : reply(target.customerHost, between(random, 25, 160) * 1000));
      }
      break;
    }
    case 'no_internet':
      for (let i = 0; i < n; i++) probes.push(timeout(target.customerHost));
      break;
    case 'antenna_only':
      // WispHub alternates the customer's device and the antenna, as in the recorded fixture.
      for (let i = 0; i < n; i++) {
        probes.push(i % 2 === 0 ? timeout(target.customerHost) : unreachable(target.antennaHost, between(random, 380, 720) * 1000));
      }
      break;
  }
  return finish(probes);
}

/** The schedule of one simulated task: queued, then processing, then done (or never done). */
export interface WispHubTimeline {
  createdAt: number;
  /** Time spent PENDING in the queue before a worker picks it up. */
  queuedMs: number;
  /** Time from creation to the end of the task. */
  durationMs: number;
  /** null: the task never finishes (stays PROCESS). */
  final: FinishedWispHubTask | null;
}

/** What WispHub would answer for this task at time `now`; no timers, only the clock. */
export function wispHubTaskAt(timeline: WispHubTimeline, now: number): WispHubTask {
  const elapsed = now - timeline.createdAt;
  if (elapsed < timeline.queuedMs) return { status: 'PENDING', result: null };
  if (timeline.final === null || elapsed < timeline.durationMs) return { status: 'PROCESS', result: null };
  return timeline.final;
}

function finish(entries: (WispHubProbe | string)[]): FinishedWispHubTask {
  const result: WispHubResultItem[] = entries.map((e, i) => ({ [`ping-${i + 1}`]: e }));
  const answered = entries.filter((e) => typeof e !== 'string' && e.time !== undefined).length;
  result.push({ 'ping-exitoso': `${answered} de ${entries.length}` });
  return { status: 'SUCCESS', result };
}

function reply(host: string, us: number): WispHubProbe {
  const t = formatRouterDuration(us);
  return { host, sent: '1', received: '1', 'packet-loss': '0', seq: '0', time: t, 'min-rtt': t, 'avg-rtt': t, 'max-rtt': t, ttl: '64', size: '56' };
}

function timeout(host: string): WispHubProbe {
  return { host, sent: '1', received: '0', 'packet-loss': '100', seq: '0', status: 'timeout' };
}

function unreachable(host: string, us: number): WispHubProbe {
  const t = formatRouterDuration(us);
  return {
    host, sent: '1', received: '0', 'packet-loss': '100', seq: '0', status: 'host unreachable',
    time: t, 'min-rtt': t, 'avg-rtt': t, 'max-rtt': t, ttl: '64', size: '56',
  };
}

function chooseIndexes(n: number, count: number, random: () => number): Set<number> {
  const all = Array.from({ length: n }, (_, i) => i);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j] ?? i, all[i] ?? j];
  }
  return new Set(all.slice(0, Math.max(0, Math.min(n, count))));
}

function pingEntries(item: unknown): unknown[] {
  if (item === null || typeof item !== 'object') return [];
  return Object.entries(item)
    .filter(([k]) => /^ping-\d+$/.test(k))
    .map(([, v]) => v);
}

/** The packet objects of a result, tolerating anything malformed by skipping it. */
function probesOf(result: unknown): WispHubProbe[] {
  if (!Array.isArray(result)) return [];
  return result.flatMap(pingEntries).filter((v): v is WispHubProbe => {
    if (v === null || typeof v !== 'object') return false;
    return typeof (v as { host?: unknown }).host === 'string';
  });
}

function count(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number.parseInt(v, 10) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function sum(probes: WispHubProbe[], field: 'sent' | 'received'): number {
  return probes.reduce((acc, p) => acc + count(p[field]), 0);
}

function answeredSomething(p: WispHubProbe): boolean {
  return count(p.received) > 0 || typeof p.time === 'string';
}

function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 199)}…` : s;
}
