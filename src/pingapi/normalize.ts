/**
 * Pure readers of the Ping API's answers. Deployments run different server builds (the
 * documented envelope, the newer `{status, message}` shape, and loose pending answers), so
 * these accept every shape in ping-api.md and turn each into one typed value.
 */
import { z } from 'zod';
import type { ClientRecord } from '../core/client.js';
import { PermanentError, TransientError } from '../core/errors.js';
import type { ApiVerdict, TaskResult } from '../core/verdict.js';
import type { Logger } from '../util/logger.js';
import { sanitizeOutsideText } from '../util/outside-text.js';

/** Longest API-provided text we keep; it ends up in chat messages. */
export const MAX_MESSAGE_CHARS = 500;

const TASK_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Every word a server build uses for a final verdict, in `action` or `status` (or `result`). */
const VERDICT_WORDS: Readonly<Record<string, ApiVerdict>> = {
  stable: 'stable',
  stable_connection: 'stable',
  intermittent: 'intermittent',
  intermittent_connection: 'intermittent',
  no_internet: 'no_internet',
  antenna_only: 'antenna_only',
  failed: 'failed',
  ping_failed: 'failed',
};

/**
 * Every word a build uses for "still running". A word that is neither a verdict nor one of
 * these is an answer the contract does not know: polling it until the deadline would report
 * "timed out" for what is really a server speaking another language, so it fails at once.
 */
const PENDING_WORDS: ReadonlySet<string> = new Set([
  'pending',
  'ping_pending',
  'ping_created',
  'created',
  'process',
  'processing',
  'in_process',
  'in_progress',
  'running',
  'started',
  'queued',
  'waiting',
  'received',
]);

/** Words meaning "the task failed" in a 200 answer (the newer builds' `error`, WispHub's `FAILURE`). */
const FAILED_WORDS: ReadonlySet<string> = new Set(['error', 'failure']);

type Json = { kind: 'empty' } | { kind: 'value'; value: unknown } | { kind: 'malformed' };

/** Parses a body; an empty (whitespace-only) body is its own case, a non-JSON one is malformed. */
export function parseBody(bodyText: string): Json {
  if (bodyText.trim() === '') return { kind: 'empty' };
  try {
    return { kind: 'value', value: JSON.parse(bodyText) as unknown };
  } catch {
    return { kind: 'malformed' };
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const field = (o: Record<string, unknown>, key: string): unknown => (Object.hasOwn(o, key) ? o[key] : undefined);

/** Trims, strips control characters and caps API-provided text; anything but a non-empty string is null. */
export function cleanMessage(v: unknown, max = MAX_MESSAGE_CHARS): string | null {
  if (typeof v !== 'string') return null;
  const s = sanitizeOutsideText(v).trim();
  if (s === '') return null;
  return s.length > max ? `${s.slice(0, max - 1).trimEnd()}…` : s;
}

/**
 * What an error body says, for error messages: FastAPI's `detail` (a string, or a list of
 * `{loc, msg}` for 422), else a `message`. Null when the body says nothing usable.
 */
export function describeDetail(bodyText: string, max = 300): string | null {
  const parsed = parseBody(bodyText);
  if (parsed.kind !== 'value' || !isObject(parsed.value)) return null;
  const detail = field(parsed.value, 'detail');
  if (typeof detail === 'string') return cleanMessage(detail, max);
  if (Array.isArray(detail)) {
    const parts = detail.slice(0, 3).flatMap((d) => {
      if (!isObject(d)) return [];
      const msg = cleanMessage(field(d, 'msg'), 120);
      if (!msg) return [];
      const loc = field(d, 'loc');
      const where = Array.isArray(loc) ? loc.filter((p) => typeof p === 'string' || typeof p === 'number').join('.') : '';
      return [where ? `${msg} (${where})` : msg];
    });
    return parts.length > 0 ? cleanMessage(parts.join('; '), max) : null;
  }
  return cleanMessage(field(parsed.value, 'message'), max);
}

const malformed = (what: string, status: number | null) =>
  new TransientError('malformed', `the Ping API answered ${what} that could not be read`, status);

const verdictWord = (v: unknown): ApiVerdict | null => {
  if (typeof v !== 'string') return null;
  const word = v.trim().toLowerCase();
  return Object.hasOwn(VERDICT_WORDS, word) ? (VERDICT_WORDS[word] ?? null) : null;
};

/**
 * One answer of `GET /api/v1/ping/{task_id}/` (HTTP 2xx, or 400 `{"detail"}` which is the
 * newer builds' "task failed") as a TaskResult. Throws TransientError('malformed') for a body
 * that is not JSON or not an object; any other well-formed answer without a verdict is pending.
 */
export function normalizeTaskResult(status: number, bodyText: string): TaskResult {
  if (status === 400) {
    return { kind: 'final', verdict: 'failed', message: describeDetail(bodyText, MAX_MESSAGE_CHARS), lossPct: null, rttMs: null };
  }
  if (status < 200 || status > 299) {
    throw new RangeError(`normalizeTaskResult reads 2xx and 400 answers, not HTTP ${status}`);
  }
  const parsed = parseBody(bodyText);
  if (parsed.kind === 'empty') return { kind: 'pending', message: null };
  if (parsed.kind === 'malformed') throw malformed('a ping result', status);
  const body = parsed.value;
  if (body === null) return { kind: 'pending', message: null };
  if (!isObject(body)) throw malformed('a ping result', status);

  const message = cleanMessage(field(body, 'message'));
  const words = [field(body, 'action'), field(body, 'status'), field(body, 'result')];
  const verdict = verdictWord(words[0]) ?? verdictWord(words[1]) ?? verdictWord(words[2]);
  if (verdict) return { kind: 'final', verdict, message, lossPct: null, rttMs: null };
  if (field(body, 'ok') === false) return { kind: 'final', verdict: 'failed', message, lossPct: null, rttMs: null };
  for (const w of words) {
    if (typeof w !== 'string' || w.trim() === '') continue;
    const word = w.trim().toLowerCase();
    if (FAILED_WORDS.has(word)) return { kind: 'final', verdict: 'failed', message, lossPct: null, rttMs: null };
    if (!PENDING_WORDS.has(word)) {
      throw new PermanentError('unexpected', `unexpected answer from the Ping API: ${cleanMessage(w, 60) ?? '?'}`, status);
    }
  }
  return { kind: 'pending', message };
}

/**
 * The answer of `POST /api/v1/{service_id}/ping/`: the envelope (`data.task_id`) or the bare
 * `{"task_id"}`. A refusal (envelope `ok:false` / `ping_failed`, or HTTP 400) is
 * PermanentError('rejected'); an unreadable answer or a strange task id is TransientError('malformed').
 */
export function normalizeCreated(status: number, bodyText: string): { taskId: string } {
  const refused = (message: string | null) =>
    new PermanentError(
      'rejected',
      `the Ping API could not create the ping task${message ? `: ${message}` : ''}`,
      status,
    );
  if (status === 400) throw refused(describeDetail(bodyText));
  if (status < 200 || status > 299) {
    throw new RangeError(`normalizeCreated reads 2xx and 400 answers, not HTTP ${status}`);
  }
  const parsed = parseBody(bodyText);
  if (parsed.kind !== 'value' || !isObject(parsed.value)) throw malformed('a created task', status);
  const body = parsed.value;
  if (field(body, 'ok') === false || verdictWord(field(body, 'action')) === 'failed') {
    throw refused(cleanMessage(field(body, 'message'), 300));
  }
  const data = field(body, 'data');
  const taskId = isObject(data) && Object.hasOwn(data, 'task_id') ? field(data, 'task_id') : field(body, 'task_id');
  if (typeof taskId !== 'string' || !TASK_ID.test(taskId)) throw malformed('a created task', status);
  return { taskId };
}

/** True for a task id we are willing to put in a URL and a log line. */
export function isValidTaskId(taskId: string): boolean {
  return TASK_ID.test(taskId);
}

// --- clients -------------------------------------------------------------------------------

// `.optional()` keeps a missing key legal: a transformed schema is otherwise required in zod 4.
/** A client field as text: trimmed, cleaned and capped; a number is written out; anything else null. */
export const text = (max = 200) =>
  z.unknown().optional().transform((v): string | null => {
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    return cleanMessage(v, max);
  });

/** A client field as a number: a number, or a numeric string; anything else null. */
export const num = () =>
  z.unknown().optional().transform((v): number | null => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v.trim()) : Number.NaN;
    return Number.isFinite(n) ? n : null;
  });

/**
 * Most pesos a plan price or balance can plausibly be (ten thousand million COP); anything
 * beyond (`1e308`, a misplaced id) is unusable and dropped rather than shown.
 */
export const MONEY_MAX = 10_000_000_000;

const money = () => num().transform((n) => (n !== null && Math.abs(n) <= MONEY_MAX ? n : null));

const int = () => num().transform((n) => (n !== null && Number.isSafeInteger(n) ? n : null));

const isoDate = () =>
  z.unknown().optional().transform((v): string | null => {
    if (typeof v !== 'string') return null;
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/.exec(v.trim());
    if (!m) return null;
    const date = `${m[1]}-${m[2]}-${m[3]}`;
    // Reject impossible dates such as 2026-02-31, which Date would roll over.
    return new Date(`${date}T00:00:00Z`).toISOString().startsWith(date) ? date : null;
  });

const clientSchema = z.object({
  service_id: z
    .union([z.number(), z.string().trim().regex(/^\d+$/).transform(Number)])
    .pipe(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)),
  name: z
    .string()
    .transform((v) => sanitizeOutsideText(v).trim())
    .pipe(z.string().min(1).max(300)),
  document: text(),
  phone: text(),
  address: text(300),
  city: text(),
  locality: text(),
  payment_status: text(50),
  zone_id: int(),
  antenna_ip: text(100),
  cut_off_date: isoDate(),
  outstanding_balance: money(),
  lan_interface: text(100),
  internet_plan_name: text(),
  internet_plan_price: money(),
  technician_id: int(),
});

/**
 * One client object (snake_case, as the look-ups answer it) as a ClientRecord. service_id and
 * name are required; optional fields that are missing or unusable become null; numbers may
 * arrive as strings. Throws TransientError('malformed') naming the bad fields (never their values).
 */
export function normalizeClient(json: unknown): ClientRecord {
  const parsed = clientSchema.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? 'record')))].join(', ');
    throw new TransientError('malformed', `the Ping API answered a client record that could not be read (${fields})`);
  }
  const c = parsed.data;
  return {
    serviceId: c.service_id,
    name: c.name,
    document: c.document,
    phone: c.phone,
    address: c.address,
    city: c.city,
    locality: c.locality,
    paymentStatus: c.payment_status,
    zoneId: c.zone_id,
    antennaIp: c.antenna_ip,
    cutOffDate: c.cut_off_date,
    outstandingBalance: c.outstanding_balance,
    lanInterface: c.lan_interface,
    planName: c.internet_plan_name,
    planPrice: c.internet_plan_price,
    technicianId: c.technician_id,
    // The middleware drops WispHub's router and sector; only the direct provider has them.
    router: null,
    sector: null,
    zoneName: null,
  };
}

/**
 * True for an answer saying "no such client": the envelope's `action` (`client_not_found`,
 * `clients_not_found`, ...) or the plain layout's `{"detail": "client_not_found"}`.
 */
export function isClientNotFound(bodyText: string): boolean {
  const parsed = parseBody(bodyText);
  if (parsed.kind !== 'value' || !isObject(parsed.value)) return false;
  const action = field(parsed.value, 'action');
  if (typeof action === 'string') return /not_found$/i.test(action.trim());
  const detail = field(parsed.value, 'detail');
  return typeof detail === 'string' && /^clients?_not_found$/i.test(detail.trim());
}

const lookupRefused = (body: Record<string, unknown>, status: number) => {
  const message = cleanMessage(field(body, 'message'), 300);
  return new PermanentError('rejected', `the Ping API refused the client look-up${message ? `: ${message}` : ''}`, status);
};

/**
 * A 2xx answer of a single-client look-up: the envelope with the client in `data`, or a bare
 * client object. `client_not_found` or `data: null` is null; another `ok:false` is
 * PermanentError('rejected'); an unreadable answer is TransientError('malformed').
 */
export function normalizeClientAnswer(status: number, bodyText: string): ClientRecord | null {
  const parsed = parseBody(bodyText);
  if (parsed.kind !== 'value' || !isObject(parsed.value)) throw malformed('a client look-up', status);
  const body = parsed.value;
  if (isClientNotFound(bodyText)) return null;
  if (field(body, 'ok') === false) throw lookupRefused(body, status);
  if (Object.hasOwn(body, 'service_id')) return normalizeClient(body);
  if (!Object.hasOwn(body, 'data')) throw malformed('a client look-up', status);
  const data = field(body, 'data');
  return data === null ? null : normalizeClient(data);
}

/**
 * A 2xx answer of `GET /clients/search`: a list in `data` (or a bare list). Items that are not
 * valid clients are skipped and logged, so one bad record does not hide the others.
 */
export function normalizeClientList(status: number, bodyText: string, logger: Logger): ClientRecord[] {
  const parsed = parseBody(bodyText);
  if (parsed.kind === 'malformed') throw malformed('a client search', status);
  if (parsed.kind === 'empty' || parsed.value === null) return [];
  let items: unknown;
  if (Array.isArray(parsed.value)) {
    items = parsed.value;
  } else if (isObject(parsed.value)) {
    const body = parsed.value;
    if (isClientNotFound(bodyText)) return [];
    if (field(body, 'ok') === false) throw lookupRefused(body, status);
    items = field(body, 'data') ?? [];
  }
  if (!Array.isArray(items)) throw malformed('a client search', status);
  const clients: ClientRecord[] = [];
  items.forEach((item, index) => {
    try {
      clients.push(normalizeClient(item));
    } catch (err) {
      logger.warn({ index, reason: err instanceof Error ? err.message : String(err) }, 'skipping an unreadable client in a search answer');
    }
  });
  return clients;
}
