// Who a message is from and which chat it belongs to, in the shape every message event carries:
// WhatsApp names a person by a LID (…@lid), by a phone jid (…@s.whatsapp.net), or both. These
// helpers are plain string logic shared by the event bridge and the store API; callers look up
// mappings they know (Baileys' LID store, the store's aliases) and pass them in.

/** A person: `jid` is the phone jid when the number is known, else the LID; `phone` is digits or null. */
export interface PersonIdentity {
  jid: string
  phone: string | null
  lid: string | null
  name: string | null
}

export interface ChatIdentity extends PersonIdentity {
  isGroup: boolean
}

/** The fields of a message key this module reads and rewrites (Baileys' WAMessageKey, loosely). */
export interface KeyFields {
  remoteJid?: string | null
  remoteJidAlt?: string | null
  participant?: string | null
  participantAlt?: string | null
  fromMe?: boolean | null
}

const PN_SERVER = 's.whatsapp.net'

/** `user:device@server` → `user@server`; c.us → s.whatsapp.net; '' for nothing. */
export function bareJid(jid: string | null | undefined): string {
  if (!jid) return ''
  const at = jid.indexOf('@')
  if (at < 0) return jid
  const server = jid.slice(at + 1)
  const user = jid.slice(0, at).split(':')[0]!
  return `${user}@${server === 'c.us' ? PN_SERVER : server}`
}

export const isLidJid = (jid: string | null | undefined): jid is string => !!jid && jid.endsWith('@lid')
export const isPhoneJid = (jid: string | null | undefined): jid is string => !!jid && jid.endsWith(`@${PN_SERVER}`)
export const isGroupJid = (jid: string | null | undefined): jid is string => !!jid && jid.endsWith('@g.us')

/**
 * A person from the jids at hand: the one on the key, its alternate (Baileys' remoteJidAlt /
 * participantAlt, i.e. sender_pn / sender_lid on the stanza) and whatever mapping is already known.
 */
export function describePerson(
  jid: string | null | undefined,
  alt: string | null | undefined,
  known: { pn?: string | null; lid?: string | null } = {},
  name: string | null = null,
): PersonIdentity {
  const candidates = [jid, alt, known.pn, known.lid].map(bareJid)
  const pn = candidates.find(isPhoneJid) ?? null
  const lid = candidates.find(isLidJid) ?? null
  return { jid: pn ?? lid ?? candidates[0] ?? '', phone: pn ? pn.slice(0, pn.indexOf('@')) : null, lid, name }
}

/**
 * The key as events show it: 1:1 `remoteJid` (groups: `participant`) is the phone jid whenever the
 * number is known, with the LID in `remoteJidAlt` (`participantAlt`); otherwise the LID, unchanged.
 * A receiver that reads `key.remoteJid` as the phone keeps working whenever WhatsApp gives one.
 */
export function phoneFirstKey<K extends KeyFields>(key: K, chat: ChatIdentity, sender: PersonIdentity): K {
  if (chat.isGroup) {
    if (!key.participant) return key
    // a copy of K with two of its own fields replaced by strings: still a K
    return { ...key, participant: sender.jid, ...(sender.lid && sender.lid !== sender.jid ? { participantAlt: sender.lid } : {}) } as K
  }
  if (!chat.phone && !chat.lid) return key
  return { ...key, remoteJid: chat.jid, ...(chat.lid && chat.lid !== chat.jid ? { remoteJidAlt: chat.lid } : {}) } as K
}
