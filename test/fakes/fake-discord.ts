import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { readBody } from '../support/read-body.js';

/**
 * A small fake of Discord on 127.0.0.1: the REST routes the bot uses (interaction callbacks,
 * interaction webhooks, channel messages, threads, command registration, `GET /gateway/bot`,
 * the bot's own user and DM channels)
 * and a minimal JSON gateway (HELLO, IDENTIFY -> READY, heartbeat ACK, injected dispatches).
 * Every REST call is recorded for assertions.
 */

/** One REST call as the fake received it. */
export interface RestCall {
  method: string;
  /** Path after the `/api/v10` prefix, e.g. `/interactions/1/tok/callback`. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The JSON body, parsed; null when there was none. */
  body: unknown;
}

/** A scripted answer that overrides the fake's normal one. */
export interface FakeAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A person in a guild, as interaction payloads carry them. */
export interface FakeUser {
  id: string;
  username: string;
}

/** What a test gives to inject an interaction; everything else gets realistic defaults. */
export interface InteractionInput {
  user?: FakeUser;
  locale?: string;
  guildId?: string;
  channelId?: string;
  /** The member's permissions bit set there (default: a member without Administrator). */
  permissions?: string;
}

/** The interaction as dispatched, with what the test needs to find its REST calls. */
export interface SentInteraction {
  id: string;
  token: string;
  payload: Record<string, unknown>;
}

export interface FakeDiscord {
  /** The REST base for discord.js's `rest.api` option (discord.js appends `/v10`). */
  readonly apiUrl: string;
  readonly gatewayUrl: string;
  readonly applicationId: string;
  readonly botUserId: string;
  /** Every REST call, in arrival order. */
  readonly calls: RestCall[];
  /** IDENTIFY payloads (`d`) received on the gateway. */
  readonly identifies: Record<string, unknown>[];
  /** Resolves once a client has identified and received READY. */
  whenReady(): Promise<void>;
  /** Gateway connections open now, and the most ever open at once. */
  sessions(): { open: number; maxOpen: number };
  /** REST connections (TCP) open now, and the most ever open at once. */
  restConnections(): { open: number; maxOpen: number };
  /** Dispatches a `/ping` command interaction. */
  sendCommand(options: { client: string; packets?: number }, input?: InteractionInput): SentInteraction;
  /** Dispatches an autocomplete interaction for the `client` option. */
  sendAutocomplete(typed: string, input?: InteractionInput): SentInteraction;
  /** Dispatches any command (2) or autocomplete (4) interaction with this `data` (e.g. `/noc` and its subcommands). */
  sendInteraction(kind: 2 | 4, data: Record<string, unknown>, input?: InteractionInput): SentInteraction;
  /** Dispatches a button click on the message that a previous interaction's reply created. */
  sendButton(customId: string, messageId: string, input?: InteractionInput): SentInteraction;
  /** Runs `dispatches` (sendCommand and the like) with the gateway's sockets corked: their frames leave in one write, as a busy gateway's do. */
  together<T>(dispatches: () => T): T;
  /** Answers the next `count` requests matching method and path with `answer`. */
  script(method: string, path: RegExp, answer: FakeAnswer, count?: number): void;
  /** Makes an interaction token unusable, as Discord does after 15 minutes. */
  expireToken(token: string): void;
  /** The calls matching a method and path. */
  callsTo(method: string, path: RegExp): RestCall[];
  /** Calls `listener` with each REST call as it arrives (benches time arrivals without a waiter per call); returns the unsubscribe. */
  onCall(listener: (c: RestCall) => void): () => void;
  /** Waits (real time, bounded) until a matching call has arrived, then returns it. */
  waitForCall(method: string, path: RegExp, predicate?: (c: RestCall) => boolean, timeoutMs?: number): Promise<RestCall>;
  /** The message id the fake assigned to an interaction's original reply, once it exists. */
  originalMessageId(token: string): string | null;
  close(): Promise<void>;
}

export const FAKE_APP_ID = '1100000000000000001';
export const FAKE_BOT_ID = '1100000000000000002';
export const FAKE_GUILD_ID = '1100000000000000003';
export const FAKE_CHANNEL_ID = '1100000000000000004';
export const FAKE_COMMAND_ID = '1100000000000000005';
export const ANA: FakeUser = { id: '1200000000000000001', username: 'ana.tech' };
export const BRUNO: FakeUser = { id: '1200000000000000002', username: 'bruno.noc' };

/** Starts the fake on 127.0.0.1 with ephemeral ports. */
export async function startFakeDiscord(opts: { token?: string } = {}): Promise<FakeDiscord> {
  const token = opts.token ?? 'fake-bot-token';
  const calls: RestCall[] = [];
  const identifies: Record<string, unknown>[] = [];
  const scripts: { method: string; path: RegExp; answer: FakeAnswer; left: number }[] = [];
  const expired = new Set<string>();
  /** interaction token -> id of its original reply message. */
  const originals = new Map<string, string>();
  const messages = new Map<string, Record<string, unknown>>();
  const commands = new Map<string, unknown[]>();
  const waiters: { check: () => void }[] = [];
  const listeners = new Set<(c: RestCall) => void>();
  let snowflake = 1_300_000_000_000_000_000n;
  const nextId = () => String(++snowflake);

  let readyResolve: () => void = () => {};
  let ready = new Promise<void>((r) => (readyResolve = r));
  const sockets = new Set<WebSocket>();
  /** The TCP socket under each gateway connection (its upgrade request's). */
  const tcpOf = new Map<WebSocket, Socket>();
  let maxOpen = 0;
  let seq = 0;

  const message = (channelId: string, body: Record<string, unknown>, id = nextId(), flags = 0): Record<string, unknown> => {
    const prior = messages.get(id) ?? {};
    const now = new Date().toISOString();
    const m: Record<string, unknown> = {
      type: 0,
      tts: false,
      pinned: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: [],
      components: [],
      content: '',
      flags,
      timestamp: now,
      edited_timestamp: null,
      ...prior,
      id,
      channel_id: channelId,
      author: { id: FAKE_BOT_ID, username: 'pingops', discriminator: '0', avatar: null, bot: true, global_name: null },
      application_id: FAKE_APP_ID,
    };
    for (const key of ['content', 'embeds', 'components'] as const) {
      if (key in body) m[key] = body[key] ?? (key === 'content' ? '' : []);
    }
    if (prior.id) m.edited_timestamp = now;
    messages.set(id, m);
    return m;
  };

  const send = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
    if (body === undefined || status === 204) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const invalidToken = { message: 'Invalid Webhook Token', code: 50027 };

  /** The fake's normal behaviour: Discord's answers for the routes the bot uses. */
  const route = (method: string, path: string, body: Record<string, unknown>, query: Record<string, string>): FakeAnswer => {
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/gateway/bot') {
      return {
        status: 200,
        body: {
          url: gatewayUrl,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
        },
      };
    }
    if (method === 'GET' && path === '/users/@me') {
      return { status: 200, body: { id: FAKE_BOT_ID, username: 'pingops', discriminator: '0', avatar: null, bot: true, global_name: null } };
    }
    if (method === 'POST' && path === '/users/@me/channels') {
      return { status: 200, body: { id: nextId(), type: 1, recipients: [{ id: String(body.recipient_id), username: 'someone', discriminator: '0', avatar: null, global_name: null }] } };
    }
    if ((m = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path)) && method === 'POST') {
      const tok = m[2] ?? '';
      const type = Number(body.type);
      const data = (body.data ?? {}) as Record<string, unknown>;
      // 4: reply, 5: deferred reply -> the original message now exists; 6/7 act on the clicked message.
      if (type === 4 || type === 5) {
        const msg = message(FAKE_CHANNEL_ID, type === 4 ? data : {}, nextId(), Number(data.flags ?? 0));
        originals.set(tok, String(msg.id));
      }
      return query.with_response === 'true' ? { status: 200, body: { interaction: { id: m[1], type: 2 } } } : { status: 204 };
    }
    if ((m = /^\/webhooks\/(\d+)\/([^/]+)(\/messages\/([^/]+))?$/.exec(path))) {
      const tok = m[2] ?? '';
      if (expired.has(tok)) return { status: 401, body: invalidToken };
      const which = m[4];
      if (!which) {
        if (method !== 'POST') return { status: 405, body: { message: '405: Method Not Allowed', code: 0 } };
        return { status: 200, body: message(FAKE_CHANNEL_ID, body, nextId(), Number(body.flags ?? 0)) };
      }
      const id = which === '@original' ? originals.get(tok) : which;
      if (!id || !messages.has(id)) return { status: 404, body: { message: 'Unknown Message', code: 10008 } };
      if (method === 'PATCH') return { status: 200, body: message(FAKE_CHANNEL_ID, body, id) };
      if (method === 'GET') return { status: 200, body: messages.get(id) };
      if (method === 'DELETE') {
        messages.delete(id);
        return { status: 204 };
      }
    }
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)\/threads$/.exec(path)) && method === 'POST') {
      return {
        status: 201,
        body: {
          id: m[2],
          type: 11,
          guild_id: FAKE_GUILD_ID,
          parent_id: m[1],
          name: body.name,
          owner_id: FAKE_BOT_ID,
          thread_metadata: { archived: false, auto_archive_duration: body.auto_archive_duration ?? 1440, locked: false },
          message_count: 0,
          member_count: 1,
        },
      };
    }
    if ((m = /^\/channels\/(\d+)\/messages$/.exec(path)) && method === 'POST') {
      return { status: 200, body: message(m[1] ?? '', body) };
    }
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path)) && method === 'PATCH') {
      if (!messages.has(m[2] ?? '')) return { status: 404, body: { message: 'Unknown Message', code: 10008 } };
      return { status: 200, body: message(m[1] ?? '', body, m[2]) };
    }
    if ((m = /^\/applications\/(\d+)(\/guilds\/(\d+))?\/commands$/.exec(path))) {
      if (m[1] !== FAKE_APP_ID) return { status: 403, body: { message: 'Missing Access', code: 50001 } };
      const scope = m[3] ?? 'global';
      if (method === 'PUT') {
        const list = (Array.isArray(body) ? body : []).map((c: Record<string, unknown>) => ({
          ...c,
          id: nextId(),
          application_id: FAKE_APP_ID,
          guild_id: m?.[3],
          version: nextId(),
        }));
        commands.set(scope, list);
        return { status: 200, body: list };
      }
      if (method === 'GET') return { status: 200, body: commands.get(scope) ?? [] };
    }
    return { status: 404, body: { message: '404: Not Found', code: 0 } };
  };


  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = (req.method ?? 'GET').toUpperCase();
      const path = decodeURIComponent(url.pathname).replace(/^\/api\/v10/, '');
      let body: unknown = null;
      if (raw) {
        try {
          body = JSON.parse(raw) as unknown;
        } catch {
          body = raw;
        }
      }
      const call: RestCall = { method, path, query: Object.fromEntries(url.searchParams), headers: req.headers, body };
      calls.push(call);
      for (const l of listeners) l(call);
      for (const w of [...waiters]) w.check();

      const authorised = req.headers.authorization === `Bot ${token}`;
      const needsAuth = !/^\/(interactions|webhooks)\//.test(path);
      if (needsAuth && !authorised) return send(res, 401, { message: '401: Unauthorized', code: 0 });

      const scripted = scripts.find((s) => s.left > 0 && s.method === method && s.path.test(path));
      if (scripted) {
        scripted.left--;
        return send(res, scripted.answer.status, scripted.answer.body, scripted.answer.headers);
      }
      const answer = route(method, path, (body && typeof body === 'object' ? body : {}) as Record<string, unknown>, call.query);
      send(res, answer.status, answer.body, answer.headers);
    })().catch((err: unknown) => send(res, 500, { message: String(err), code: 0 }));
  });

  let restOpen = 0;
  let restMaxOpen = 0;
  server.on('connection', (socket) => {
    restMaxOpen = Math.max(restMaxOpen, ++restOpen);
    socket.once('close', () => restOpen--);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const restPort = (server.address() as AddressInfo).port;

  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const gatewayUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;

  const dispatch = (t: string, d: unknown) => {
    seq++;
    const frame = JSON.stringify({ op: 0, t, s: seq, d });
    for (const ws of sockets) ws.send(frame);
  };

  wss.on('connection', (ws, req) => {
    const params = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
    // The fake only speaks uncompressed JSON, which is what discord.js uses without zlib-sync.
    if (params.get('encoding') !== 'json' || params.has('compress')) {
      ws.close(4002, 'fake gateway: JSON without compression only');
      return;
    }
    sockets.add(ws);
    tcpOf.set(ws, req.socket);
    maxOpen = Math.max(maxOpen, sockets.size);
    ws.on('close', () => {
      sockets.delete(ws);
      tcpOf.delete(ws);
    });
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 } }));
    ws.on('message', (data) => {
      let frame: { op?: number; d?: unknown };
      try {
        frame = JSON.parse(String(data)) as { op?: number; d?: unknown };
      } catch {
        ws.close(4002, 'decode error');
        return;
      }
      if (frame.op === 1) ws.send(JSON.stringify({ op: 11 }));
      if (frame.op === 2) {
        const d = (frame.d ?? {}) as Record<string, unknown>;
        if (d.token !== token) {
          ws.close(4004, 'Authentication failed.');
          return;
        }
        identifies.push(d);
        seq++;
        ws.send(
          JSON.stringify({
            op: 0,
            t: 'READY',
            s: seq,
            d: {
              v: 10,
              user: { id: FAKE_BOT_ID, username: 'pingops', discriminator: '0', avatar: null, bot: true, global_name: null },
              guilds: [],
              session_id: 'fake-session',
              resume_gateway_url: gatewayUrl,
              shard: [0, 1],
              application: { id: FAKE_APP_ID, flags: 0 },
            },
          }),
        );
        readyResolve();
      }
    });
  });

  const base = (kind: number, input: InteractionInput, data: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const user = input.user ?? ANA;
    const id = nextId();
    const tok = `itoken-${id}`;
    const channelId = input.channelId ?? FAKE_CHANNEL_ID;
    const guildId = input.guildId ?? FAKE_GUILD_ID;
    const payload = {
      id,
      application_id: FAKE_APP_ID,
      type: kind,
      token: tok,
      version: 1,
      guild_id: guildId,
      channel_id: channelId,
      channel: { id: channelId, type: 0, guild_id: guildId, name: 'soporte', position: 0, permission_overwrites: [], nsfw: false, flags: 0 },
      member: {
        user: { id: user.id, username: user.username, discriminator: '0', avatar: null, global_name: user.username },
        roles: [],
        permissions: input.permissions ?? '2248473465835073',
        joined_at: '2024-01-01T00:00:00.000Z',
        deaf: false,
        mute: false,
        flags: 0,
      },
      locale: input.locale ?? 'en-US',
      guild_locale: 'es-ES',
      app_permissions: '2248473465835073',
      entitlements: [],
      authorizing_integration_owners: { '0': guildId },
      context: 0,
      data,
      ...extra,
    };
    dispatch('INTERACTION_CREATE', payload);
    return { id, token: tok, payload };
  };

  const pingOptions = (client: string, packets: number | undefined, focused: boolean) => {
    const options: Record<string, unknown>[] = [{ name: 'client', type: 3, value: client, ...(focused ? { focused: true } : {}) }];
    if (packets !== undefined) options.push({ name: 'packets', type: 4, value: packets });
    return { id: FAKE_COMMAND_ID, name: 'ping', type: 1, options };
  };

  const close = async () => {
    for (const ws of sockets) ws.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  };

  return {
    apiUrl: `http://127.0.0.1:${restPort}/api`,
    gatewayUrl,
    applicationId: FAKE_APP_ID,
    botUserId: FAKE_BOT_ID,
    calls,
    identifies,
    whenReady: () => ready,
    sessions: () => ({ open: sockets.size, maxOpen }),
    restConnections: () => ({ open: restOpen, maxOpen: restMaxOpen }),
    sendCommand: (options, input = {}) => base(2, input, pingOptions(options.client, options.packets, false)),
    sendAutocomplete: (typed, input = {}) => base(4, input, pingOptions(typed, undefined, true)),
    sendInteraction: (kind, data, input = {}) => base(kind, input, data),
    sendButton: (customId, messageId, input = {}) =>
      base(3, input, { custom_id: customId, component_type: 2 }, { message: messages.get(messageId) ?? message(FAKE_CHANNEL_ID, {}, messageId) }),
    together: (dispatches) => {
      const corked = [...tcpOf.values()];
      for (const tcp of corked) tcp.cork();
      try {
        return dispatches();
      } finally {
        for (const tcp of corked) tcp.uncork();
      }
    },
    script: (method, path, answer, count = 1) => scripts.push({ method: method.toUpperCase(), path, answer, left: count }),
    expireToken: (tok) => expired.add(tok),
    onCall: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    callsTo: (method, path) => calls.filter((c) => c.method === method.toUpperCase() && path.test(c.path)),
    waitForCall: (method, path, predicate = () => true, timeoutMs = 10_000) =>
      new Promise<RestCall>((resolve, reject) => {
        const find = () => calls.find((c) => c.method === method.toUpperCase() && path.test(c.path) && predicate(c));
        const hit = find();
        if (hit) return resolve(hit);
        const waiter = {
          check: () => {
            const c = find();
            if (!c) return;
            clearTimeout(timer);
            waiters.splice(waiters.indexOf(waiter), 1);
            resolve(c);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no ${method} ${String(path)} call within ${timeoutMs} ms; saw:\n${calls.map((c) => `${c.method} ${c.path}`).join('\n')}`));
        }, timeoutMs);
        waiters.push(waiter);
      }),
    originalMessageId: (tok) => originals.get(tok) ?? null,
    close: async () => {
      await close();
      // A later client may connect to a fresh fake; this one is done.
      ready = Promise.reject(new Error('fake closed'));
      ready.catch(() => {});
    },
  };
}
