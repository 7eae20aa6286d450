// The embedded default Store: chats, contacts and messages in the gateway's SQLite file (WAL).
// Messages are one row each with the WAMessage as JSON; reads are index range scans with LIMIT,
// so a chat with millions of messages is never loaded whole.
import type { Db } from './db.js'
import { JidAliases } from './jid-alias.js'
import { migrateStore } from './schema.js'
import { decodeMessage, encodeMessage, normalizeJid, statusRank, toSeconds } from './serialize.js'
import {
  CursorError, type ChatInput, type ChatSummary, type ContactInput, type ContactSummary, type MessageKeyRef,
  type MessagePage, type PageOptions, type ReceiptInput, type Store, type StoredMessage,
} from './types.js'

type Row = Record<string, unknown>
interface MsgRow { seq: number; ts: number; data: string }

/** Rows deleted per step when an instance is removed, so a huge store never blocks the loop long. */
const DELETE_CHUNK = 5000

export class SqliteStore implements Store {
  private readonly aliases: JidAliases
  private readonly st

  constructor(private readonly db: Db) {
    migrateStore(db)
    this.aliases = new JidAliases(db)
    this.st = {
      chatUpsert: db.prepare(`
        INSERT INTO store_chats (token, jid, name, ts) VALUES (?, ?, ?, ?)
        ON CONFLICT (token, jid) DO UPDATE SET name = coalesce(excluded.name, name), ts = max(ts, excluded.ts)`),
      chatUnreadAdd: db.prepare('UPDATE store_chats SET unread = max(unread, 0) + ? WHERE token = ? AND jid = ?'),
      chatUnreadSet: db.prepare('UPDATE store_chats SET unread = ? WHERE token = ? AND jid = ?'),
      chatDelete: db.prepare('DELETE FROM store_chats WHERE token = ? AND jid = ?'),
      chatMessagesDelete: db.prepare('DELETE FROM store_messages WHERE token = ? AND chat = ?'),
      chats: db.prepare<[string, number, number], Row>(
        'SELECT jid, name, ts, unread FROM store_chats WHERE token = ? AND ts < ? ORDER BY ts DESC, jid LIMIT ?'),
      contactUpsert: db.prepare(`
        INSERT INTO store_contacts (token, jid, name, notify, verified) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (token, jid) DO UPDATE SET name = coalesce(excluded.name, name),
          notify = coalesce(excluded.notify, notify), verified = coalesce(excluded.verified, verified)`),
      contacts: db.prepare<[string], Row>(
        'SELECT jid, coalesce(name, notify, verified) AS name FROM store_contacts WHERE token = ? ORDER BY jid'),
      msgInsert: db.prepare(`
        INSERT INTO store_messages (token, chat, id, from_me, ts, data) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (token, id, chat, from_me) DO NOTHING`),
      msgByKey: db.prepare<[string, string, string, number], { seq: number; data: string }>(
        'SELECT seq, data FROM store_messages WHERE token = ? AND id = ? AND chat = ? AND from_me = ?'),
      msgByChatId: db.prepare<[string, string, string], { seq: number; ts: number; data: string }>(
        'SELECT seq, ts, data FROM store_messages WHERE token = ? AND id = ? AND chat = ? LIMIT 1'),
      msgById: db.prepare<[string, string], { data: string }>('SELECT data FROM store_messages WHERE token = ? AND id = ? LIMIT 1'),
      msgWrite: db.prepare('UPDATE store_messages SET data = ?, ts = ? WHERE seq = ?'),
      msgDelete: db.prepare('DELETE FROM store_messages WHERE seq = ?'),
      latest: db.prepare<[string, string, number], MsgRow>(
        'SELECT seq, ts, data FROM store_messages WHERE token = ? AND chat = ? ORDER BY ts DESC, seq DESC LIMIT ?'),
      older: db.prepare<[string, string, number, number, number, number], MsgRow>(`
        SELECT seq, ts, data FROM store_messages WHERE token = ? AND chat = ? AND ts <= ? AND (ts < ? OR seq < ?)
        ORDER BY ts DESC, seq DESC LIMIT ?`),
      maxSeq: db.prepare<[], { m: number | null }>('SELECT max(seq) AS m FROM store_messages'),
      chunkDelete: db.prepare(`
        DELETE FROM store_messages WHERE seq IN (
          SELECT seq FROM store_messages WHERE token = ? AND seq <= ? LIMIT ${DELETE_CHUNK})`),
    }
  }

  private chatOf(token: string, jid: string | null | undefined): string {
    return this.aliases.resolve(token, jid)
  }

  upsertChats(token: string, chats: ChatInput[]): void {
    this.db.transaction(() => {
      for (const c of chats) {
        const jid = this.chatOf(token, c.id)
        if (!jid) continue
        this.st.chatUpsert.run(token, jid, c.name ?? null, c.conversationTimestamp ?? 0)
        if (c.unreadIncrement) this.st.chatUnreadAdd.run(c.unreadIncrement, token, jid)
        else if (typeof c.unreadCount === 'number') this.st.chatUnreadSet.run(c.unreadCount, token, jid)
      }
    })()
  }

  deleteChats(token: string, jids: string[]): void {
    this.db.transaction(() => {
      for (const raw of jids) {
        const jid = this.chatOf(token, raw)
        this.st.chatDelete.run(token, jid)
        this.st.chatMessagesDelete.run(token, jid)
      }
    })()
  }

  upsertContacts(token: string, contacts: ContactInput[]): void {
    this.db.transaction(() => {
      for (const c of contacts) {
        const jid = this.chatOf(token, c.id)
        if (jid) this.st.contactUpsert.run(token, jid, c.name ?? null, c.notify ?? null, c.verifiedName ?? null)
      }
    })()
  }

  upsertMessages(token: string, messages: StoredMessage[]): void {
    this.db.transaction(() => {
      for (const m of messages) {
        const { key } = m
        if (!key?.id || !key.remoteJid) continue
        const alt = (key as { remoteJidAlt?: string | null }).remoteJidAlt
        if (alt) this.aliases.learn(token, key.remoteJid, alt)
        const chat = this.chatOf(token, key.remoteJid)
        const ts = toSeconds(m.messageTimestamp)
        const fromMe = key.fromMe ? 1 : 0
        const json = encodeMessage(m)
        if (this.st.msgInsert.run(token, chat, key.id, fromMe, ts, json).changes === 0) {
          const old = this.st.msgByKey.get(token, key.id, chat, fromMe)
          if (old) this.st.msgWrite.run(JSON.stringify(mergeMessage(JSON.parse(old.data) as Row, JSON.parse(json) as Row)), ts, old.seq)
        }
        this.st.chatUpsert.run(token, chat, null, ts)
      }
    })()
  }

  private findRow(token: string, key: MessageKeyRef): { seq: number; data: string } | undefined {
    if (!key.id) return undefined
    const chat = this.chatOf(token, key.remoteJid)
    if (typeof key.fromMe === 'boolean') return this.st.msgByKey.get(token, key.id, chat, key.fromMe ? 1 : 0)
    return this.st.msgByChatId.get(token, key.id, chat)
  }

  updateMessages(token: string, updates: Array<{ key: MessageKeyRef; update: Record<string, unknown> }>): void {
    this.db.transaction(() => {
      for (const { key, update } of updates) {
        const row = this.findRow(token, key)
        if (!row) continue
        const merged = mergeMessage(JSON.parse(row.data) as Row, JSON.parse(encodeMessage(update)) as Row)
        this.st.msgWrite.run(JSON.stringify(merged), toSeconds(merged.messageTimestamp), row.seq)
      }
    })()
  }

  addReceipts(token: string, receipts: ReceiptInput[]): void {
    this.db.transaction(() => {
      for (const { key, receipt } of receipts) {
        const row = this.findRow(token, key)
        if (!row) continue
        const msg = JSON.parse(row.data) as Row
        const list = Array.isArray(msg.userReceipt) ? (msg.userReceipt as Row[]) : []
        const plain = JSON.parse(encodeMessage(receipt)) as Row
        const i = list.findIndex((r) => r.userJid === plain.userJid)
        if (i >= 0) list[i] = { ...list[i], ...plain }
        else list.push(plain)
        msg.userReceipt = list
        this.st.msgWrite.run(JSON.stringify(msg), toSeconds(msg.messageTimestamp), row.seq)
      }
    })()
  }

  deleteMessages(token: string, keys: MessageKeyRef[]): void {
    this.db.transaction(() => {
      for (const key of keys) {
        const row = this.findRow(token, key)
        if (row) this.st.msgDelete.run(row.seq)
      }
    })()
  }

  clearChat(token: string, jid: string): void {
    this.st.chatMessagesDelete.run(token, this.chatOf(token, jid))
  }

  mapJids(token: string, pairs: Array<{ lid: string; pn: string }>): void {
    this.db.transaction(() => {
      for (const p of pairs) this.aliases.learn(token, p.lid, p.pn)
    })()
  }

  async removeInstance(token: string): Promise<void> {
    // Rows written after this point belong to a new login of the same token and are kept.
    const upTo = this.st.maxSeq.get()?.m ?? 0
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM store_chats WHERE token = ?').run(token)
      this.db.prepare('DELETE FROM store_contacts WHERE token = ?').run(token)
      this.aliases.forget(token)
    })()
    while (this.st.chunkDelete.run(token, upTo).changes === DELETE_CHUNK) {
      await new Promise((resolve) => setImmediate(resolve))
    }
  }

  listChats(token: string, opts: { limit: number; before?: number }): ChatSummary[] {
    return this.st.chats.all(token, opts.before ?? Number.MAX_SAFE_INTEGER, opts.limit).map((r) => ({
      id: r.jid as string,
      conversationTimestamp: r.ts as number,
      unreadCount: r.unread as number,
      ...(r.name ? { name: r.name as string } : {}),
    }))
  }

  listContacts(token: string): ContactSummary[] {
    return this.st.contacts.all(token).map((r) => ({ id: r.jid as string, ...(r.name ? { name: r.name as string } : {}) }))
  }

  listMessages(token: string, jid: string, opts: PageOptions): MessagePage {
    const chat = this.chatOf(token, jid)
    let rows: MsgRow[]
    if (opts.before === undefined) {
      rows = this.st.latest.all(token, chat, opts.limit + 1)
    } else {
      const anchor = this.st.msgByChatId.get(token, opts.before, chat)
      let ts: number
      let seq: number
      if (anchor) ({ ts, seq } = anchor)
      else if (/^\d{1,13}$/.test(opts.before)) [ts, seq] = [Number(opts.before), 0]
      else throw new CursorError(`"before" is neither a message id of ${chat} nor a unix timestamp`)
      rows = this.st.older.all(token, chat, ts, ts, seq, opts.limit + 1)
    }
    const more = rows.length > opts.limit
    const page = rows.slice(0, opts.limit).reverse()
    const messages = page.map((r) => decodeMessage(r.data))
    const oldest = messages[0]?.key.id
    return { messages, ...(more && oldest ? { nextBefore: oldest } : {}) }
  }

  otherJid(token: string, jid: string): string | undefined {
    return this.aliases.other(token, jid)
  }

  findMessage(token: string, id: string, jid?: string): StoredMessage | undefined {
    const row = jid ? this.st.msgByChatId.get(token, id, this.chatOf(token, jid)) : this.st.msgById.get(token, id)
    return row ? decodeMessage(row.data) : undefined
  }

  close(): void {
    // The Db handle is shared with the webhook outbox and others; its owner closes it.
  }
}

/** Top-level merge, newer wins, except that status only moves forward and lists accumulate. */
export function mergeMessage(old: Row, next: Row): Row {
  const out: Row = { ...old, ...next }
  if (statusRank(old.status) > statusRank(next.status)) out.status = old.status
  for (const list of ['userReceipt', 'reactions', 'pollUpdates']) {
    if (Array.isArray(old[list]) && !Array.isArray(next[list])) out[list] = old[list]
    else if (Array.isArray(old[list]) && Array.isArray(next[list]) && list === 'pollUpdates') {
      out[list] = [...(old[list] as unknown[]), ...(next[list] as unknown[])]
    }
  }
  return out
}
