import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { readBody } from '../support/read-body.js';

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
  /** Its Content-Type, for Web API calls. */
  contentType?: string;
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

/** A user as users.info describes them; users.list lists every user set with setUser. */
export interface FakeUser {
  locale?: string;
  isAdmin?: boolean;
  isOwner?: boolean;
  deleted?: boolean;
  isBot?: boolean;
}

/** A Socket Mode envelope as Slack sends it down the socket. */
export interface SocketEnvelope {
  envelope_id: string;
  type: 'slash_commands' | 'events_api' | 'interactive';
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
}

/** An envelope the test pushed, with its place in the fake's log. */
export interface SentEnvelope {
  seq: number;
  envelope: SocketEnvelope;
}

/** An acknowledgement the app sent back over the socket (`{envelope_id, payload?}`). */
export interface SocketAck {
  /** Arrival order, shared with `FakeSlack.calls` (where it is also logged as `socket_ack`). */
  seq: number;
  envelope_id: string;
  payload?: Record<string, unknown>;
  raw: string;
}

/**
 * Slack's side of Socket Mode: `apps.connections.open` hands out single-use `ws://` URLs to this
 * server, which greets each connection with `hello` and carries envelopes down and acks back.
 */
export interface FakeSocketMode {
  /** Sockets open right now. */
  readonly openConnections: number;
  /** Sockets ever accepted (a reconnect counts again). */
  readonly connectionsAccepted: number;
  /** Close frames the app sent (code and reason), in order. */
  readonly closes: { code: number; reason: string }[];
  /** Every envelope pushed, in order. */
  readonly sent: SentEnvelope[];
  /** Every ack received, in order. */
  readonly acks: SocketAck[];
  /** The ack of one envelope, once it came. */
  ackOf(envelopeId: string): SocketAck | undefined;
  /** Pushes an envelope to the newest open socket; throws when none is open. Returns its envelope_id. */
  send(envelope: Omit<SocketEnvelope, 'envelope_id'> & { envelope_id?: string }): string;
  /** Pushes a `slash_commands` envelope; `fields` are the command's (command, text, user_id, channel_id, response_url…). */
  slashCommand(fields: Record<string, string>): string;
  /** Pushes an `events_api` envelope wrapping `event` in an event_callback (fresh event_id unless given). */
  event(event: Record<string, unknown>, opts?: { eventId?: string; retryAttempt?: number }): string;
  /** Pushes an `interactive` envelope (a `block_actions` payload, for instance). */
  interactive(payload: Record<string, unknown>): string;
  /** Sends Slack's `disconnect` message (the app is expected to reconnect with a fresh URL). */
  requestReconnect(reason?: 'refresh_requested' | 'warning' | 'link_disabled'): void;
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
  /** Forgets calls and rules (and the socket's envelopes and acks). */
  reset(): void;
  /** Socket Mode: the WebSocket side that `apps.connections.open` points at. */
  readonly socket: FakeSocketMode;
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


/** Options of the fake. */
export interface FakeSlackOptions {
  botUserId?: string;
  /** The app-level token `apps.connections.open` accepts (default: any `xapp-…` token). */
  appToken?: string;
  /** The app id reported in `hello` and in envelopes (default A0001). */
  appId?: string;
}

/** Starts the fake Slack on 127.0.0.1 on a free port (plus its Socket Mode server on another). */
export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const botUserId = opts.botUserId ?? 'UBOT';
  const appId = opts.appId ?? 'A0001';
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

  // Socket Mode. Tickets are single use, as Slack's are: a reconnect must ask for a new URL.
  const tickets = new Set<string>();
  const sockets = new Set<WebSocket>();
  let newest: WebSocket | null = null;
  let connectionsAccepted = 0;
  const closes: { code: number; reason: string }[] = [];
  const sent: SentEnvelope[] = [];
  const acks: SocketAck[] = [];
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    path: '/link/',
    verifyClient: (info: { req: IncomingMessage }) => {
      const ticket = new URL(info.req.url ?? '/', 'ws://127.0.0.1').searchParams.get('ticket');
      if (!ticket || !tickets.has(ticket)) return false;
      tickets.delete(ticket);
      return true;
    },
  });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const wsPort = (wss.address() as AddressInfo).port;
  wss.on('connection', (ws) => {
    sockets.add(ws);
    newest = ws;
    connectionsAccepted++;
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const raw = String(data);
      let msg: { envelope_id?: unknown; payload?: unknown } = {};
      try {
        msg = JSON.parse(raw) as typeof msg;
      } catch {
        return;
      }
      if (typeof msg.envelope_id !== 'string') return;
      const payload = msg.payload && typeof msg.payload === 'object' ? (msg.payload as Record<string, unknown>) : undefined;
      const ack: SocketAck = { seq: ++seq, envelope_id: msg.envelope_id, raw, ...(payload ? { payload } : {}) };
      acks.push(ack);
      calls.push({ seq: ack.seq, method: 'socket_ack', args: { envelope_id: ack.envelope_id, ...(payload ? { payload } : {}) }, raw, token: null });
    });
    ws.on('close', (code, reason) => {
      closes.push({ code, reason: reason.toString() });
      sockets.delete(ws);
      if (newest === ws) newest = null;
    });
    // Slack's greeting; the client counts itself connected only once it arrives.
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: sockets.size,
        debug_info: { host: 'applink-fake-1', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: appId },
      }),
    );
  });

  function openConnection(call: SlackCall): Record<string, unknown> {
    const token = call.token ?? '';
    if (!token.startsWith('xapp-')) return { ok: false, error: token === '' ? 'not_authed' : 'not_allowed_token_type' };
    if (opts.appToken !== undefined && token !== opts.appToken) return { ok: false, error: 'invalid_auth' };
    const ticket = randomUUID();
    tickets.add(ticket);
    return { ok: true, url: `ws://127.0.0.1:${wsPort}/link/?ticket=${ticket}&app_id=${appId}` };
  }

  const push = (envelope: Omit<SocketEnvelope, 'envelope_id'> & { envelope_id?: string }): string => {
    const ws = newest;
    if (!ws || ws.readyState !== ws.OPEN) throw new Error('fake Slack: no Socket Mode connection is open');
    const full: SocketEnvelope = { ...envelope, envelope_id: envelope.envelope_id ?? randomUUID() };
    sent.push({ seq: ++seq, envelope: full });
    ws.send(JSON.stringify(full));
    return full.envelope_id;
  };

  const socket: FakeSocketMode = {
    get openConnections() {
      return sockets.size;
    },
    get connectionsAccepted() {
      return connectionsAccepted;
    },
    closes,
    sent,
    acks,
    ackOf: (id) => acks.find((a) => a.envelope_id === id),
    send: push,
    slashCommand: (fields) =>
      push({
        type: 'slash_commands',
        accepts_response_payload: true,
        payload: { token: 'legacy', team_id: 'T0001', team_domain: 'fake-isp', api_app_id: appId, is_enterprise_install: 'false', ...fields },
      }),
    event: (event, o = {}) =>
      push({
        type: 'events_api',
        accepts_response_payload: false,
        ...(o.retryAttempt !== undefined ? { retry_attempt: o.retryAttempt, retry_reason: 'timeout' } : { retry_attempt: 0, retry_reason: '' }),
        payload: {
          token: 'legacy',
          team_id: 'T0001',
          api_app_id: appId,
          event,
          type: 'event_callback',
          event_id: o.eventId ?? `Ev${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`,
          event_time: Math.floor(Date.now() / 1000),
          authorizations: [{ team_id: 'T0001', user_id: botUserId, is_bot: true, is_enterprise_install: false }],
          is_ext_shared_channel: false,
        },
      }),
    interactive: (payload) => push({ type: 'interactive', accepts_response_payload: false, payload }),
    requestReconnect(reason = 'refresh_requested') {
      newest?.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake-1' } }));
    },
  };

  const defaultAnswer = (call: SlackCall): Record<string, unknown> => {
    const a = call.args;
    switch (call.method) {
      case 'apps.connections.open':
        return openConnection(call);
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
        return { ok: true, user: member(id, users.get(id) ?? {}, a.include_locale === true || a.include_locale === 'true') };
      }
      case 'users.list': {
        // Slack's cursor is opaque; here it is the index of the page's first member.
        const all = [...users];
        const from = Number(a.cursor ?? 0) || 0;
        const limit = Math.min(1000, Number(a.limit ?? 0) || 1000);
        const next = from + limit < all.length ? String(from + limit) : '';
        const withLocale = a.include_locale === true || a.include_locale === 'true';
        return { ok: true, members: all.slice(from, from + limit).map(([id, u]) => member(id, u, withLocale)), response_metadata: { next_cursor: next } };
      }
      default:
        return { ok: true };
    }
  };

  /** A user object as users.info and users.list carry it. */
  function member(id: string, u: FakeUser, withLocale: boolean) {
    return {
      id,
      name: id.toLowerCase(),
      deleted: u.deleted ?? false,
      is_bot: u.isBot ?? false,
      is_admin: u.isAdmin ?? false,
      is_owner: u.isOwner ?? false,
      is_primary_owner: false,
      ...(withLocale ? { locale: u.locale ?? 'en-US' } : {}),
    };
  }

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
      const call: SlackCall = { seq: ++seq, method: m[1], args, raw, contentType: req.headers['content-type'] ?? '', token: token ?? (typeof args.token === 'string' ? args.token : null) };
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
      sent.length = 0;
      acks.length = 0;
    },
    socket,
    async close() {
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
