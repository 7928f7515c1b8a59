/**
 * Alert intake: what another monitoring system's webhook says, read into neutral alerts about
 * clients. Pure: the HTTP route bounds and authenticates the body first, and the NOC decides
 * what a firing or resolved alert leads to (a check of that client). Formats:
 * - Alertmanager's webhook, payload version 4 (`alerts[]`, one per alert in the group);
 * - Uptime Kuma's webhook (`heartbeat` + `monitor` + `msg`; both null on its "Test" button);
 * - our own `{ "target": "...", "reason": "...", "channel": "..." }` for anything else.
 */
import { z } from 'zod';

export type IntakeSource = 'alertmanager' | 'uptime_kuma' | 'check';

/** One alert about one client, whatever system sent it. */
export interface IntakeAlert {
  source: IntakeSource;
  status: 'firing' | 'resolved';
  /** What names the client, as the sender wrote it (a service id, `client-1001`, a phone…): resolved later like a typed target. */
  target: string;
  /** Duplicate alerts of one client from one source share this key (Alertmanager fingerprint, Kuma monitor id). */
  key: string;
  /** The alert's name as the sender calls it (alertname, monitor name), untrusted text. */
  title: string | null;
  /** Why it fired (summary, Kuma's msg, the check's reason), untrusted text. */
  reason: string | null;
  /** A channel the sender asked for (`/hooks/check` only). */
  channel: string | null;
}

/** An alert in the payload that names no client, with why (reported back, and logged). */
export interface SkippedAlert {
  title: string | null;
  why: string;
}

export type IntakeResult =
  | { ok: true; alerts: IntakeAlert[]; skipped: SkippedAlert[]; note: string | null }
  /** `too_many`: more alerts than one payload may carry (413); anything else is a malformed payload (400). */
  | { ok: false; error: string; tooMany?: true };

/**
 * Most alerts one payload may carry. Every alert of an accepted payload is stored, so this is
 * a refusal bound (413 with the reason), never a point past which alerts are dropped. Real
 * alerts (~550 bytes each) hit the body limit first (about 3,800 in 2 MB); the bound stops a
 * payload of bare `{}` alerts from costing 50,000 rows, and stays below the intake queue's
 * bound so one payload always fits an empty queue.
 */
export const MAX_ALERTS_PER_PAYLOAD = 5000;
/** Longest target, title or reason kept from a payload. */
const MAX_TEXT = 300;
const TARGET_MAX = 100;

/** `client-1001`, `cliente 1001`, `client_1001` in a monitor name. */
const CLIENT_IN_NAME_RE = /\bclient(?:e)?[-_ ]?(\d{1,10})\b/iu;

const text = (max = MAX_TEXT) =>
  z
    .unknown()
    .transform((v) => (typeof v === 'string' || typeof v === 'number' ? String(v).trim().slice(0, max) : ''))
    .transform((v) => (v === '' ? null : v));

// Built once: a zod schema per alert field would cost more than the alert (5,000 alerts a payload).
const longText = text();
const targetText = text(TARGET_MAX);

const labelMap = z.record(z.string(), z.unknown()).catch({});

const alertmanagerSchema = z.object({
  version: z.string().optional(),
  status: z.enum(['firing', 'resolved']).optional(),
  /** Alerts Alertmanager itself left out of the notification (its `max_alerts`). */
  truncatedAlerts: z.number().int().nonnegative().optional(),
  alerts: z.array(
    z.object({
      status: z.enum(['firing', 'resolved']),
      labels: labelMap,
      annotations: labelMap.optional(),
      fingerprint: z.string().max(200).optional(),
      startsAt: z.string().optional(),
    }),
  ),
});

/** Reads an Alertmanager webhook; the client comes from label `clientLabel` (HOOKS_CLIENT_LABEL). */
export function parseAlertmanager(body: unknown, clientLabel: string): IntakeResult {
  const parsed = alertmanagerSchema.safeParse(body);
  if (!parsed.success) return { ok: false, error: `not an Alertmanager webhook payload: ${describe(parsed.error)}` };
  if (parsed.data.version !== undefined && parsed.data.version !== '4') {
    return { ok: false, error: `Alertmanager payload version ${parsed.data.version} is not supported (expected "4")` };
  }
  const all = parsed.data.alerts;
  if (all.length > MAX_ALERTS_PER_PAYLOAD) {
    return { ok: false, tooMany: true, error: `${all.length} alerts in one notification; at most ${MAX_ALERTS_PER_PAYLOAD} are taken (narrow group_by, or set max_alerts in the webhook_config)` };
  }
  const alerts: IntakeAlert[] = [];
  const skipped: SkippedAlert[] = [];
  for (const a of all) {
    const title = longText.parse(a.labels.alertname);
    const target = targetText.parse(a.labels[clientLabel]);
    if (!target) {
      skipped.push({ title, why: `no "${clientLabel}" label` });
      continue;
    }
    const annotations = a.annotations ?? {};
    alerts.push({
      source: 'alertmanager',
      status: a.status,
      target,
      key: a.fingerprint ?? `${title ?? ''}|${target}`,
      title,
      reason: longText.parse(annotations.summary) ?? longText.parse(annotations.description),
      channel: null,
    });
  }
  const truncated = parsed.data.truncatedAlerts ?? 0;
  // Those never reach us: say so, so the operator sees that max_alerts hides alerts.
  const note = truncated > 0 ? `Alertmanager left out ${truncated} alerts of this group (max_alerts in its webhook_config); they were not sent` : null;
  return finish(alerts, skipped, note, `a "${clientLabel}" label`);
}

const kumaSchema = z.object({
  heartbeat: z
    .object({ status: z.number().int(), msg: z.unknown().optional() })
    .nullable()
    .optional(),
  monitor: z
    .object({
      id: z.union([z.number(), z.string()]).optional(),
      name: z.unknown().optional(),
      tags: z.array(z.object({ name: z.unknown(), value: z.unknown().optional() })).catch([]).optional(),
    })
    .nullable()
    .optional(),
  msg: z.unknown().optional(),
});

const KUMA_EXPECTS = 'a "service_id" tag or a client-NNNN monitor name';

/** Uptime Kuma heartbeat states: only down and up say anything about the line. */
const KUMA_STATUS: Readonly<Record<number, 'firing' | 'resolved' | 'ignored'>> = { 0: 'firing', 1: 'resolved', 2: 'ignored', 3: 'ignored' };
const KUMA_STATUS_NAME: Readonly<Record<number, string>> = { 2: 'pending', 3: 'maintenance' };

/**
 * Reads an Uptime Kuma webhook (JSON, or its form-data variant whose `data` field holds the
 * same JSON, unwrapped by the route). The client is the `service_id` tag's value, else a
 * `client-NNNN` in the monitor's name.
 */
export function parseUptimeKuma(body: unknown): IntakeResult {
  const parsed = kumaSchema.safeParse(body);
  if (!parsed.success) return { ok: false, error: `not an Uptime Kuma webhook payload: ${describe(parsed.error)}` };
  const { heartbeat, monitor } = parsed.data;
  // Kuma's "Test" button sends only `msg`: answer it kindly so the setup screen says it works.
  if (!heartbeat || !monitor) return { ok: true, alerts: [], skipped: [], note: 'test notification received' };
  const title = longText.parse(monitor.name);
  const status = KUMA_STATUS[heartbeat.status];
  if (status === undefined) return { ok: false, error: `unknown Uptime Kuma heartbeat status ${heartbeat.status}` };
  if (status === 'ignored') return { ok: true, alerts: [], skipped: [], note: `heartbeat ${KUMA_STATUS_NAME[heartbeat.status] ?? heartbeat.status} ignored` };
  const tag = (monitor.tags ?? []).find((t) => typeof t.name === 'string' && t.name.trim().toLowerCase() === 'service_id');
  const target = targetText.parse(tag?.value) ?? (title ? (CLIENT_IN_NAME_RE.exec(title)?.[1] ?? null) : null);
  if (!target) return finish([], [{ title, why: 'no service_id tag and no client-NNNN in the monitor name' }], null, KUMA_EXPECTS);
  return finish(
    [
      {
        source: 'uptime_kuma',
        status,
        target,
        key: `kuma:${monitor.id ?? title ?? target}`,
        title,
        reason: longText.parse(heartbeat.msg) ?? longText.parse(parsed.data.msg),
        channel: null,
      },
    ],
    [],
    null,
    KUMA_EXPECTS,
  );
}

const checkSchema = z.object({
  target: z.string().trim().min(1, 'target is empty').max(TARGET_MAX, `target is longer than ${TARGET_MAX} characters`),
  reason: z.string().max(MAX_TEXT).optional(),
  channel: z
    .string()
    .regex(/^[A-Za-z0-9]{1,30}$/, 'channel must be a channel id')
    .optional(),
});

/** Reads `POST /hooks/check`: `{ target, reason?, channel? }`. */
export function parseCheckHook(body: unknown): IntakeResult {
  const parsed = checkSchema.safeParse(body);
  if (!parsed.success) return { ok: false, error: `expected {"target": "...", "reason": "...", "channel": "..."}: ${describe(parsed.error)}` };
  const { target, reason, channel } = parsed.data;
  return {
    ok: true,
    alerts: [{ source: 'check', status: 'firing', target, key: `check:${target}`, title: null, reason: reason?.trim() || null, channel: channel ?? null }],
    skipped: [],
    note: null,
  };
}

/**
 * Folds duplicates (one client alerted twice in one payload, or by two rules) into one alert
 * per target and status, keeping the first: each costs the ISP a ping task.
 */
export function foldDuplicates(alerts: readonly IntakeAlert[]): IntakeAlert[] {
  const seen = new Set<string>();
  return alerts.filter((a) => {
    const k = `${a.status}|${a.target.toLowerCase()}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** `expects` says where the client should have been named, for the sender's error. */
function finish(alerts: IntakeAlert[], skipped: SkippedAlert[], note: string | null, expects: string): IntakeResult {
  if (alerts.length === 0 && skipped.length > 0) return { ok: false, error: `no alert names a client (expected ${expects})` };
  return { ok: true, alerts: foldDuplicates(alerts), skipped, note };
}

function describe(err: z.ZodError): string {
  const first = err.issues[0];
  if (!first) return 'unreadable';
  const where = first.path.length > 0 ? first.path.map(String).join('.') : 'body';
  return `${where}: ${first.message}`;
}

/** Where the hooks hand what they read: the NOC checks each alert's client. */
export interface AlertSink {
  /**
   * Takes the alerts of one payload, all or none; resolves once they are stored, long before
   * any check ends. Rejects with IntakeFullError when the queue cannot hold them all.
   */
  accept(alerts: readonly IntakeAlert[]): Promise<void>;
}

/** The alert queue is full: the hook answers 503 with Retry-After and the sender retries later. */
export class IntakeFullError extends Error {
  override name = 'IntakeFullError';
}
