import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One Web API call (or response_url post, or a test's mark) as the fake saw it. */
export interface SlackCall {
  /** Arrival order across everything the fake logged. */
  seq: number;
  /** Web API method (`chat.postMessage`), `response_url`, or a label given to `mark`. */
  method: string;
  /** Arguments, decoded from a form or JSON body; JSON-valued fields (blocks) parsed. */
  args: Record<string, unknown>;
  /** The raw body as sent on the wire (to look for unescaped text). */
  raw: string;
  /** The bearer token the call carried, if any (tests check which token was used, never log it). */
  token: string | null;
  /** For `response_url`: the id in its path. */
  responseId?: string;
  /** What the fake answered (HTTP status and JSON body), once it has. */
  response?: { status: number; body: Record<string, unknown> };
}

/** What a rule answers. */
export type SlackAnswer =
  | { kind: 'ok'; body?: Record<string, unknown> }
  | { kind: 'error'; error: string }
  | { kind: 'rate_limited'; retryAfterSec: number }
  | { kind: 'http'; status: number; body?: string };

type Rule = { method: string; left: number; answer: (call: SlackCall) => SlackAnswer | undefined };

/** A user as users.info describes them. */
export interface FakeUser {
  locale?: string;
  isAdmin?: boolean;
  isOwner?: boolean;
}

/** A fake Slack Web API on 127.0.0.1: records every call and answers like Slack does. */
export interface FakeSlack {
  /** Web API base with the trailing slash, for `SLACK_API_URL` / `clientOptions.slackApiUrl`. */
  readonly apiUrl: string;
  /** Everything logged, in arrival order. */
  readonly calls: SlackCall[];
  /** The bot's own user id, as auth.test reports it. */
  readonly botUserId: string;
  /** A response_url for a command or an action; posts to it are logged as `response_url`. */
  responseUrl(id: string): string;
  /** Calls of one method, in order. */
  callsTo(method: string): SlackCall[];
  /** Adds a marker to the log (e.g. when an ack left the app), to assert order against calls. */
  mark(label: string, args?: Record<string, unknown>): void;
  /** Describes a user for users.info (default: locale en-US, not an admin). */
  setUser(id: string, user: FakeUser): void;
  /** Answers `times` calls of `method` (those `when` accepts) with `answer`; newest rule first. */
  on(method: string, answer: SlackAnswer | ((call: SlackCall) => SlackAnswer | undefined), times?: number): void;
  /** Forgets calls and rules. */
  reset(): void;
  close(): Promise<void>;
}

const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata']);

function decodeBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType?.includes('application/json')) {
    try {
      const v = JSON.parse(raw) as unknown;
      return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    if (JSON_FIELDS.has(k)) {
      try {
        out[k] = JSON.parse(v) as unknown;
        continue;
      } catch {
        // Not JSON after all: keep the string.
      }
    }
    out[k] = v;
  }
  return out;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

/** Starts the fake Slack on 127.0.0.1 on a free port. */
export async function startFakeSlack(opts: { botUserId?: string } = {}): Promise<FakeSlack> {
  const botUserId = opts.botUserId ?? 'UBOT';
  const calls: SlackCall[] = [];
  let rules: Rule[] = [];
  const users = new Map<string, FakeUser>();
  let seq = 0;
  let tsCounter = 0;
  const nextTs = () => `1700000000.${String(++tsCounter).padStart(6, '0')}`;

  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}, call?: SlackCall) => {
    if (call) {
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(body) as Record<string, unknown>;
      } catch {
        // Not JSON: keep an empty body.
      }
      call.response = { status, body: parsed };
    }
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(body);
  };

  const defaultAnswer = (call: SlackCall): Record<string, unknown> => {
    const a = call.args;
    switch (call.method) {
      case 'auth.test':
        return { ok: true, url: 'https://fake.slack/', team: 'Fake ISP', user: 'pingops', team_id: 'T0001', user_id: botUserId, bot_id: 'B0001' };
      case 'chat.postMessage': {
        const ts = nextTs();
        return { ok: true, channel: a.channel, ts, message: { ts, text: a.text, thread_ts: a.thread_ts } };
      }
      case 'chat.update':
        return { ok: true, channel: a.channel, ts: a.ts, text: a.text };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'users.info': {
        const id = String(a.user ?? '');
        const u = users.get(id) ?? {};
        return {
          ok: true,
          user: {
            id,
            name: id.toLowerCase(),
            is_admin: u.isAdmin ?? false,
            is_owner: u.isOwner ?? false,
            is_primary_owner: false,
            ...(a.include_locale === true || a.include_locale === 'true' ? { locale: u.locale ?? 'en-US' } : {}),
          },
        };
      }
      default:
        return { ok: true };
    }
  };

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const auth = req.headers.authorization;
      const token = auth?.startsWith('Bearer ') ? auth.slice(7) : null;
      const respMatch = /^\/response\/([^/]+)$/.exec(path);
      if (respMatch) {
        calls.push({ seq: ++seq, method: 'response_url', args: decodeBody(raw, 'application/json'), raw, token, responseId: respMatch[1] });
        return send(res, 200, 'ok', { 'content-type': 'text/plain' });
      }
      const m = /^\/api\/([A-Za-z.]+)$/.exec(path);
      if (!m?.[1]) return send(res, 404, JSON.stringify({ ok: false, error: 'unknown_method' }));
      const args = decodeBody(raw, req.headers['content-type']);
      const call: SlackCall = { seq: ++seq, method: m[1], args, raw, token: token ?? (typeof args.token === 'string' ? args.token : null) };
      calls.push(call);
      for (const rule of rules) {
        if (rule.method !== call.method || rule.left <= 0) continue;
        const answer = rule.answer(call);
        if (!answer) continue;
        rule.left--;
        switch (answer.kind) {
          case 'ok':
            return send(res, 200, JSON.stringify({ ...defaultAnswer(call), ...answer.body }), {}, call);
          case 'error':
            return send(res, 200, JSON.stringify({ ok: false, error: answer.error }), {}, call);
          case 'rate_limited':
            return send(res, 429, JSON.stringify({ ok: false, error: 'ratelimited' }), { 'retry-after': String(answer.retryAfterSec) }, call);
          case 'http':
            return send(res, answer.status, answer.body ?? '', {}, call);
        }
      }
      return send(res, 200, JSON.stringify(defaultAnswer(call)), {}, call);
    })().catch(() => {
      if (!res.headersSent) send(res, 500, '{"ok":false,"error":"fake_failed"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  return {
    apiUrl: `${base}/api/`,
    calls,
    botUserId,
    responseUrl: (id) => `${base}/response/${encodeURIComponent(id)}`,
    callsTo: (method) => calls.filter((c) => c.method === method),
    mark(label, args = {}) {
      calls.push({ seq: ++seq, method: label, args, raw: '', token: null });
    },
    setUser(id, user) {
      users.set(id, user);
    },
    on(method, answer, times = Number.POSITIVE_INFINITY) {
      rules.unshift({ method, left: times, answer: typeof answer === 'function' ? answer : () => answer });
    },
    reset() {
      calls.length = 0;
      rules = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
