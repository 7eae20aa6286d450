// `chat` and `sender` of a stored message for the store API, the same shape message events carry:
// worked out from the stored key and the LID↔phone aliases the store knows at read time (so a
// number learned after the message arrived shows up on it too).
import { bareJid, describePerson, isGroupJid, isLidJid, isPhoneJid, type ChatIdentity, type PersonIdentity } from '../util/identity.js'
import type { Store, StoredMessage } from './types.js'

type Key = StoredMessage['key'] & { remoteJidAlt?: string | null; participantAlt?: string | null }

export interface OwnUser { id: string; lid?: string; name?: string }

export async function describeStored(
  store: Store, token: string, m: StoredMessage, me: OwnUser | undefined,
): Promise<{ chat: ChatIdentity; sender: PersonIdentity }> {
  const key = m.key as Key
  const pushName = typeof m.pushName === 'string' ? m.pushName : null
  const person = async (jid: string | null | undefined, alt: string | null | undefined, name: string | null) => {
    const given = describePerson(jid, alt)
    const known = given.phone && given.lid ? undefined : await store.otherJid?.(token, given.jid)
    return describePerson(jid, alt, isLidJid(known) ? { lid: known } : { pn: known }, name)
  }
  const self = me ? describePerson(me.id, me.lid, {}, me.name ?? null) : { jid: '', phone: null, lid: null, name: null }
  const remote = bareJid(key.remoteJid)
  if (isGroupJid(remote)) {
    const sender = key.fromMe ? self : await person(key.participant, key.participantAlt, pushName)
    return { chat: { jid: remote, phone: null, lid: null, name: null, isGroup: true }, sender }
  }
  const p = await person(key.remoteJid, key.remoteJidAlt, key.fromMe ? null : pushName)
  const chat: ChatIdentity = isPhoneJid(p.jid) || isLidJid(p.jid) ? { ...p, isGroup: false } : { ...p, phone: null, lid: null, isGroup: false }
  return { chat, sender: key.fromMe ? self : p }
}
