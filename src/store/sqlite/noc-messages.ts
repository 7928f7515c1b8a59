/**
 * Where each NOC incident lives in chat (migration `0004-noc-messages`): per incident and
 * surface, the channel, the root message and the thread, so a restart edits the same root and
 * continues the same thread; and per outbox id and step, what was posted, so a redelivery of an
 * event (the outbox is at least once) does not post it twice.
 */
import type { IncidentMessages, NocMessageStore, PostStep } from '../ports.js';
import type { Migration } from './connection.js';
import type { Sql } from './handle.js';

export const NOC_MESSAGES_MIGRATION: Migration = {
  id: '0004-noc-messages',
  sql: `
    CREATE TABLE noc_message (
      incident_id INTEGER NOT NULL,
      surface TEXT NOT NULL,
      channel TEXT NOT NULL,
      root_id TEXT,
      thread_id TEXT,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (incident_id, surface)
    );
    CREATE TABLE noc_post (
      outbox_id INTEGER NOT NULL,
      surface TEXT NOT NULL,
      step TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('sending', 'sent')),
      message_id TEXT,
      at INTEGER NOT NULL,
      PRIMARY KEY (outbox_id, surface, step)
    );
  `,
};

const SQL = {
  get: 'SELECT channel, root_id, thread_id FROM noc_message WHERE incident_id = ? AND surface = ?',
  upsert:
    'INSERT INTO noc_message (incident_id, surface, channel, root_id, thread_id, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (incident_id, surface) DO UPDATE SET channel = excluded.channel, root_id = excluded.root_id, thread_id = excluded.thread_id, updated_at = excluded.updated_at',
  post: 'SELECT state, message_id FROM noc_post WHERE outbox_id = ? AND surface = ? AND step = ?',
  setPost:
    'INSERT INTO noc_post (outbox_id, surface, step, state, message_id, at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (outbox_id, surface, step) DO UPDATE SET state = excluded.state, message_id = excluded.message_id, at = excluded.at',
  clearPost: 'DELETE FROM noc_post WHERE outbox_id = ? AND surface = ? AND step = ?',
  prune: 'DELETE FROM noc_post WHERE at < ?',
};

/** The message refs and post records on the process's one connection. */
export function createSqliteNocMessageStore(sql: Sql): NocMessageStore {
  return {
    async messages(incidentId, surface) {
      const r = sql.st(SQL.get).get(incidentId, surface) as { channel: string; root_id: string | null; thread_id: string | null } | undefined;
      return r ? { channel: r.channel, rootId: r.root_id, threadId: r.thread_id } : null;
    },
    async saveMessages(incidentId, surface, m: IncidentMessages, now) {
      sql.write(() => sql.st(SQL.upsert).run(incidentId, surface, m.channel, m.rootId, m.threadId, now));
    },
    async post(outboxId, surface, step: PostStep) {
      const r = sql.st(SQL.post).get(outboxId, surface, step) as { state: 'sending' | 'sent'; message_id: string | null } | undefined;
      return r ? { state: r.state, messageId: r.message_id } : null;
    },
    async recordPost(outboxId, surface, step, state, messageId, now) {
      sql.write(() => {
        sql.st(SQL.setPost).run(outboxId, surface, step, state, messageId, now);
        // Records older than the outbox keeps its sent rows (a week) can never be asked for again.
        if (outboxId % 100 === 0) sql.st(SQL.prune).run(now - 8 * 86_400_000);
      });
    },
    async clearPost(outboxId, surface, step) {
      sql.write(() => sql.st(SQL.clearPost).run(outboxId, surface, step));
    },
  };
}
