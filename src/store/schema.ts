// Tables of the SQLite store inside the shared gateway.db. Indexes are chosen for the two hot
// reads: "latest N of one chat" (token, chat, ts) and "message by id" (token, id, …).
import type { Db } from './db.js'

export function migrateStore(db: Db): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS store_chats (
      token TEXT NOT NULL,
      jid TEXT NOT NULL,
      name TEXT,
      ts INTEGER NOT NULL DEFAULT 0,
      unread INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (token, jid)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS store_chats_recent ON store_chats (token, ts);

    CREATE TABLE IF NOT EXISTS store_contacts (
      token TEXT NOT NULL,
      jid TEXT NOT NULL,
      name TEXT,
      notify TEXT,
      verified TEXT,
      PRIMARY KEY (token, jid)
    ) WITHOUT ROWID;

    -- seq (the rowid) is insertion order: it breaks ties between messages of the same second.
    CREATE TABLE IF NOT EXISTS store_messages (
      seq INTEGER PRIMARY KEY,
      token TEXT NOT NULL,
      chat TEXT NOT NULL,
      id TEXT NOT NULL,
      from_me INTEGER NOT NULL,
      ts INTEGER NOT NULL,
      data TEXT NOT NULL
    );
    CREATE UNIQUE INDEX IF NOT EXISTS store_messages_key ON store_messages (token, id, chat, from_me);
    CREATE INDEX IF NOT EXISTS store_messages_chat ON store_messages (token, chat, ts);

    -- WhatsApp names one person by a LID (…@lid) and by a phone jid; chats are kept under the phone jid.
    CREATE TABLE IF NOT EXISTS store_jid_alias (
      token TEXT NOT NULL,
      lid TEXT NOT NULL,
      pn TEXT NOT NULL,
      PRIMARY KEY (token, lid)
    ) WITHOUT ROWID;
  `)
}
