// `quoted` → the WAMessage Baileys needs to build a reply: the key from the body, the content from
// the body, else from the store, else empty (the reply still points at the right message id).
import type { WAMessage } from '@whiskeysockets/baileys'
import { badRequest } from '../errors.js'
import type { WireMessage } from '../events/bus.js'
import { contentFromJson, InvalidMessageError } from './wire.js'

export type FindMessage = (token: string, id: string) => WireMessage | undefined | Promise<WireMessage | undefined>

export async function quotedMessage(raw: unknown, chatJid: string, lookup: (id: string) => ReturnType<FindMessage>): Promise<WAMessage | undefined> {
  if (!raw || typeof raw !== 'object') return undefined
  const r = raw as Record<string, unknown>
  const key = (r.key && typeof r.key === 'object' ? r.key : r) as Record<string, unknown>
  const id = String(key.id)
  const stored = await lookup(id)
  try {
    const message = r.message ? contentFromJson(r.message) : stored?.message ? contentFromJson(stored.message) : { conversation: '' }
    const remoteJid = typeof key.remoteJid === 'string' ? key.remoteJid : stored?.key.remoteJid ?? chatJid
    const fromMe = key.fromMe === undefined ? !!stored?.key.fromMe : key.fromMe === true || key.fromMe === 'true'
    const participant = typeof key.participant === 'string' ? key.participant : stored?.key.participant ?? undefined
    return { key: { remoteJid, fromMe, id, participant }, message }
  } catch (err) {
    throw badRequest(`quoted: ${err instanceof InvalidMessageError ? err.message : String(err)}`)
  }
}
