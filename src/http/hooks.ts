/**
 * Alert intake over HTTP: `POST /hooks/alertmanager`, `/hooks/uptime-kuma` and `/hooks/check`.
 * Without HOOKS_TOKEN nothing is mounted (404). The bearer token is checked from the headers
 * alone, in constant time, before a byte of the body is read, so the body limit can fit a
 * real group (2 MB: a whole router's or zone's alerts in one notification).
 * Senders get 202 once every alert is stored: checking a line takes longer than Alertmanager
 * or Uptime Kuma wait for an answer. Refusals keep the codes a sender acts on: Alertmanager
 * drops a notification on a 4xx and retries it on a 5xx, so a payload we cannot read is 400
 * or 413 (retrying cannot help), and a full alert queue is 503 with Retry-After.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { IntakeFullError, parseAlertmanager, parseCheckHook, parseUptimeKuma, type AlertSink, type IntakeResult } from '../noc/intake.js';
import type { Logger } from '../util/logger.js';
import type { Secret } from '../util/secret.js';
import type { HttpServer } from './server.js';

/**
 * An Alertmanager alert in the fixtures' format is ~460 bytes: 2,000 alerts (a big outage in one
 * group) measure ~900 KB, so 2 MB fits ~4,000 with room for longer labels. Only a sender holding
 * the token gets this far; everyone else is refused from the headers.
 */
export const HOOK_MAX_BODY_BYTES = 2 * 1024 * 1024;
/** Seconds a sender is asked to wait when the alert queue is full (Retry-After). */
export const HOOK_RETRY_AFTER_S = 30;

export interface HooksOptions {
  token: Secret;
  /** The Alertmanager label that carries the client (HOOKS_CLIENT_LABEL). */
  clientLabel: string;
  sink: AlertSink;
  logger: Logger;
}

type Route = 'alertmanager' | 'uptime-kuma' | 'check';
const ROUTES: readonly Route[] = ['alertmanager', 'uptime-kuma', 'check'];

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** True when the request carries `Authorization: Bearer <token>`; compares digests so the time says nothing of the token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer[ \t]+(\S{1,512})[ \t]*$/i.exec(header ?? '');
  return timingSafeEqual(digest(m?.[1] ?? ''), digest(token)) && m !== null;
}

/** Mounts the hooks on the shared server. */
export function mountHooks(http: HttpServer, o: HooksOptions): void {
  const log = o.logger.child({ component: 'hooks' });
  const answer = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
    res.end(JSON.stringify(body));
  };

  http.mount(
    '/hooks',
    (req, res) => {
      const route = routeOf(req.url);
      if (!route) return answer(res, 404, { error: `unknown hook; use ${ROUTES.map((r) => `/hooks/${r}`).join(', ')}` });
      if (req.method !== 'POST') return answer(res, 405, { error: 'use POST' });
      void readPayload(req, req.rawBody ?? Buffer.alloc(0), route)
        .then((payload) => {
          if (!payload.ok) return payload;
          return parse(route, payload.value, o.clientLabel);
        })
        .then(async (result) => {
          if (!result.ok) {
            const status = 'tooMany' in result ? 413 : 400;
            log.warn({ hook: route, status, error: result.error }, 'hook payload refused');
            return answer(res, status, { error: result.error });
          }
          for (const s of result.skipped) log.info({ hook: route, alert: s.title, why: s.why }, 'hook alert names no client; skipped');
          if (result.alerts.length > 0) await o.sink.accept(result.alerts);
          log.info({ hook: route, alerts: result.alerts.length, skipped: result.skipped.length, note: result.note }, 'hook payload accepted');
          answer(res, 202, { accepted: result.alerts.length, skipped: result.skipped, ...(result.note ? { note: result.note } : {}) });
        })
        .catch((err: unknown) => {
          const full = err instanceof IntakeFullError;
          if (full) log.warn({ hook: route, err: err.message }, 'hook payload refused: the alert queue is full; the sender retries');
          else log.error({ hook: route, err }, 'hook payload could not be handed over');
          if (!res.headersSent) {
            const error = full ? `${err.message}; retry later` : 'could not take the alert now; retry';
            answer(res, 503, { error }, { 'retry-after': String(HOOK_RETRY_AFTER_S) });
          }
        });
    },
    {
      maxBodyBytes: HOOK_MAX_BODY_BYTES,
      gate: (req) => (bearerMatches(req.headers.authorization, o.token.reveal()) ? { ok: true } : { ok: false, status: 401, error: 'missing or wrong bearer token (HOOKS_TOKEN)' }),
    },
  );
}

function routeOf(url: string | undefined): Route | null {
  const path = (url ?? '').split('?')[0] ?? '';
  const name = path.replace(/^\/hooks\/?/, '').replace(/\/$/, '');
  return (ROUTES as readonly string[]).includes(name) ? (name as Route) : null;
}

function parse(route: Route, body: unknown, clientLabel: string): IntakeResult {
  switch (route) {
    case 'alertmanager':
      return parseAlertmanager(body, clientLabel);
    case 'uptime-kuma':
      return parseUptimeKuma(body);
    case 'check':
      return parseCheckHook(body);
  }
}

type Payload = { ok: true; value: unknown } | { ok: false; error: string };

const SEND_JSON = 'send JSON with Content-Type: application/json';

/**
 * The body as JSON, in the shapes real senders use: plain JSON; Uptime Kuma's "form-data"
 * body type, a multipart form whose `data` field holds the same JSON (undici's multipart
 * reader, via Response, rather than a parser of our own); and a urlencoded body that is JSON
 * after all (`curl -d '{...}'` labels JSON so) or, for /hooks/check, plain fields
 * (`curl -d target=1001 -d reason=...`). Anything else gets a 400 that says what to send.
 */
async function readPayload(req: IncomingMessage, body: Buffer, route: Route): Promise<Payload> {
  const contentType = req.headers['content-type'] ?? '';
  const type = contentType.toLowerCase();
  const text = body.toString('utf8');
  if (type.startsWith('multipart/form-data')) {
    let data: unknown;
    try {
      // The multipart boundary is case-sensitive: hand the header over as sent.
      data = (await new Response(body, { headers: { 'content-type': contentType } }).formData()).get('data');
    } catch {
      return { ok: false, error: `unreadable multipart body; ${SEND_JSON}` };
    }
    if (typeof data !== 'string') return { ok: false, error: `multipart body without a "data" field (Uptime Kuma's form-data body puts the JSON there); or ${SEND_JSON}` };
    return asJson(data);
  }
  if (type.startsWith('application/x-www-form-urlencoded')) {
    if (/^\s*[{[]/.test(text)) return asJson(text);
    const fields = new URLSearchParams(text);
    if (route === 'check' && fields.has('target')) return { ok: true, value: Object.fromEntries([...fields].filter(([k]) => k === 'target' || k === 'reason' || k === 'channel')) };
    if (route === 'check') return { ok: false, error: `a form check request needs a "target" field; or ${SEND_JSON}` };
    return { ok: false, error: `a urlencoded form is not a webhook payload; ${SEND_JSON} (Uptime Kuma: body type JSON or form-data)` };
  }
  return asJson(text);
}

function asJson(text: string): Payload {
  if (text.trim() === '') return { ok: false, error: 'empty body; expected JSON' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, error: 'body is not JSON' };
  }
}
