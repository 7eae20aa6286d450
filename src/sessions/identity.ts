// Baileys adapter for message identities: the chat and sender of a WAMessage as plain
// {jid, phone, lid, name}, using what the key carries (remoteJidAlt / participantAlt, i.e. the
// stanza's sender_pn / sender_lid / participant_pn) and the LID↔phone mappings Baileys already
// keeps in its key store (from usync, envelopes, history sync). Never asks the network.
import type { Contact, GroupMetadata, WAMessage, WASocket } from '@whiskeysockets/baileys'
import {
  bareJid, describePerson, isGroupJid, isLidJid, isPhoneJid, phoneFirstKey,
  type ChatIdentity, type PersonIdentity,
} from '../util/identity.js'

/** Names seen per socket are capped so a huge address book cannot grow without bound. */
const MAX_NAMES = 100_000

export interface DescribedMessage {
  chat: ChatIdentity
  sender: PersonIdentity
  /** The key as events show it: phone jid first whenever the number is known. */
  key: WAMessage['key']
}

export class MessageIdentities {
  /** jid (phone, LID or group) → name given by the account (contact sync, app-state) or group subject */
  private readonly names = new Map<string, string>()
  /** jid → the push name the person set, as last seen */
  private readonly pushNames = new Map<string, string>()

  constructor(private readonly sock: WASocket) {
    const ev = sock.ev
    ev.on('contacts.upsert', (cs) => this.learnContacts(cs))
    ev.on('contacts.update', (cs) => this.learnContacts(cs))
    ev.on('messaging-history.set', ({ contacts }) => this.learnContacts(contacts))
    ev.on('groups.upsert', (gs) => this.learnGroups(gs))
    ev.on('groups.update', (gs) => this.learnGroups(gs))
  }

  async describe(m: WAMessage): Promise<DescribedMessage> {
    const key = m.key
    const remote = bareJid(key.remoteJid)
    const me = await this.me()
    const pushName = m.pushName ?? null
    if (isGroupJid(remote)) {
      const chat: ChatIdentity = { jid: remote, phone: null, lid: null, name: this.names.get(remote) ?? null, isGroup: true }
      const sender = key.fromMe ? me : await this.person(key.participant, key.participantAlt, pushName)
      return { chat, sender, key: phoneFirstKey(key, chat, sender) }
    }
    const person = await this.person(key.remoteJid, key.remoteJidAlt, key.fromMe ? null : pushName)
    const chat: ChatIdentity = { ...person, isGroup: false }
    if (!isPhoneJid(person.jid) && !isLidJid(person.jid)) chat.phone = chat.lid = null // broadcasts, newsletters
    return { chat, sender: key.fromMe ? me : person, key: phoneFirstKey(key, chat, person) }
  }

  /** A caller (call offers name the LID or the phone jid, sometimes both). */
  caller(from: string, callerPn: string | undefined): Promise<PersonIdentity> {
    return this.person(from, callerPn, null)
  }

  private async person(jid: string | null | undefined, alt: string | null | undefined, pushName: string | null): Promise<PersonIdentity> {
    const given = describePerson(jid, alt)
    const known: { pn?: string | null; lid?: string | null } = {}
    if (given.lid && !given.phone) known.pn = await this.mapped(`${userOf(given.lid)}_reverse`, 's.whatsapp.net')
    else if (given.phone && !given.lid) known.lid = await this.mapped(given.phone, 'lid')
    const p = describePerson(jid, alt, known)
    const named = (m: Map<string, string>) => m.get(p.jid) ?? (p.lid ? m.get(p.lid) : undefined)
    const name = named(this.names) ?? pushName ?? named(this.pushNames)
    return { ...p, name: name ?? null }
  }

  /** The account itself as a sender. */
  private async me(): Promise<PersonIdentity> {
    const user = this.sock.user ?? this.sock.authState.creds.me
    const p = describePerson(user?.id, user?.lid)
    return { ...p, name: user?.name ?? user?.notify ?? null }
  }

  /** One entry of Baileys' LID store: `<pnUser>` → lidUser, `<lidUser>_reverse` → pnUser. */
  private async mapped(id: string, server: 'lid' | 's.whatsapp.net'): Promise<string | null> {
    try {
      const found = (await this.sock.authState.keys.get('lid-mapping', [id]))[id]
      return typeof found === 'string' && found ? `${found}@${server}` : null
    } catch {
      return null // a key-store hiccup only costs the mapping, never the message
    }
  }

  private learnContacts(contacts: Partial<Contact>[]): void {
    for (const c of contacts) {
      // a name the phone's owner gave (contact sync, app-state) wins over the push name people set
      // themselves; push names are only a fallback for messages that carry none
      const given = c.name ?? c.verifiedName
      const target = given ? this.names : this.pushNames
      const name = given ?? c.notify
      if (!name) continue
      for (const jid of [c.id, c.phoneNumber, c.lid]) if (jid) remember(target, bareJid(jid), name)
    }
  }

  private learnGroups(groups: Partial<GroupMetadata>[]): void {
    for (const g of groups) if (g.id && g.subject) remember(this.names, g.id, g.subject)
  }
}

function remember(names: Map<string, string>, jid: string, name: string): void {
  if (names.size >= MAX_NAMES && !names.has(jid)) names.delete(names.keys().next().value as string)
  names.set(jid, name)
}

/**
 * Device-to-device plumbing from the account's own phone (history sync chunks, app-state keys):
 * Baileys upserts them like messages, but they are nobody's chat message.
 */
export function isDeviceSync(m: WAMessage): boolean {
  const p = m.message?.protocolMessage
  return m.category === 'peer' || !!(p?.historySyncNotification || p?.appStateSyncKeyShare || p?.appStateSyncKeyRequest)
}

const userOf = (jid: string): string => jid.slice(0, jid.indexOf('@'))
