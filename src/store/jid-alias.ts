// LID ↔ phone-jid aliases per instance. WhatsApp may name the same person `…@lid` in one event and
// `…@s.whatsapp.net` in the next; the store files everything under the phone jid once it is known,
// and moves what was filed under the LID before the mapping arrived.
import type { Db } from './db.js'
import { normalizeJid } from './serialize.js'

export class JidAliases {
  private readonly cache = new Map<string, Map<string, string>>()
  /** pn → lid, the reverse of `cache`, for the store API's identities */
  private readonly reverse = new Map<string, Map<string, string>>()
  private readonly st

  constructor(private readonly db: Db) {
    this.st = {
      load: db.prepare<[string], { lid: string; pn: string }>('SELECT lid, pn FROM store_jid_alias WHERE token = ?'),
      put: db.prepare('INSERT OR REPLACE INTO store_jid_alias (token, lid, pn) VALUES (?, ?, ?)'),
      mergeChat: db.prepare(`
        INSERT INTO store_chats (token, jid, name, ts, unread)
          SELECT token, ?, name, ts, unread FROM store_chats WHERE token = ? AND jid = ?
        ON CONFLICT (token, jid) DO UPDATE SET
          name = coalesce(store_chats.name, excluded.name),
          ts = max(store_chats.ts, excluded.ts),
          unread = max(store_chats.unread, 0) + max(excluded.unread, 0)`),
      dropChat: db.prepare('DELETE FROM store_chats WHERE token = ? AND jid = ?'),
      moveMessages: db.prepare('UPDATE OR IGNORE store_messages SET chat = ? WHERE token = ? AND chat = ?'),
      dropMessages: db.prepare('DELETE FROM store_messages WHERE token = ? AND chat = ?'),
      mergeContact: db.prepare(`
        INSERT INTO store_contacts (token, jid, name, notify, verified)
          SELECT token, ?, name, notify, verified FROM store_contacts WHERE token = ? AND jid = ?
        ON CONFLICT (token, jid) DO UPDATE SET
          name = coalesce(store_contacts.name, excluded.name),
          notify = coalesce(store_contacts.notify, excluded.notify),
          verified = coalesce(store_contacts.verified, excluded.verified)`),
      dropContact: db.prepare('DELETE FROM store_contacts WHERE token = ? AND jid = ?'),
    }
  }

  private map(token: string): Map<string, string> {
    let m = this.cache.get(token)
    if (!m) {
      m = new Map(this.st.load.all(token).map((r) => [r.lid, r.pn]))
      this.cache.set(token, m)
      this.reverse.set(token, new Map([...m].map(([lid, pn]) => [pn, lid])))
    }
    return m
  }

  /** The jid the store files this person under (normalized; the phone jid when known). */
  resolve(token: string, jid: string | null | undefined): string {
    const n = normalizeJid(jid)
    return n.endsWith('@lid') ? (this.map(token).get(n) ?? n) : n
  }

  /** The other jid of a person: the phone jid of a LID, or the LID of a phone jid (undefined if unknown). */
  other(token: string, jid: string | null | undefined): string | undefined {
    const n = normalizeJid(jid)
    const m = this.map(token)
    return n.endsWith('@lid') ? m.get(n) : this.reverse.get(token)?.get(n)
  }

  /** Records lid → pn; when new, moves rows filed under the LID. Call inside a transaction. */
  learn(token: string, lidJid: string | null | undefined, pnJid: string | null | undefined): void {
    const lid = normalizeJid(lidJid)
    const pn = normalizeJid(pnJid)
    if (!lid.endsWith('@lid') || !pn.endsWith('@s.whatsapp.net')) return
    const m = this.map(token)
    if (m.get(lid) === pn) return
    m.set(lid, pn)
    this.reverse.get(token)?.set(pn, lid)
    this.st.put.run(token, lid, pn)
    this.st.mergeChat.run(pn, token, lid)
    this.st.dropChat.run(token, lid)
    this.st.moveMessages.run(pn, token, lid)
    this.st.dropMessages.run(token, lid) // leftovers were duplicates of rows already under pn
    this.st.mergeContact.run(pn, token, lid)
    this.st.dropContact.run(token, lid)
  }

  forget(token: string): void {
    this.cache.delete(token)
    this.reverse.delete(token)
    this.db.prepare('DELETE FROM store_jid_alias WHERE token = ?').run(token)
  }
}
