// The non-send calls of the messaging API: is-exists, profile picture, read receipts, presence.
import type { WAMessageKey, WAPresence, WASocket } from '@whiskeysockets/baileys'
import { AppError, badRequest, notFound } from '../errors.js'
import type { Target } from './jid.js'
import type { Recipients } from './recipients.js'

export const PRESENCES = ['typing', 'composing', 'recording', 'paused', 'available', 'unavailable'] as const
export type PresenceName = (typeof PRESENCES)[number]

export async function isExists(token: string, sock: WASocket, recipients: Recipients, target: Target): Promise<{ exists: boolean; jid: string }> {
  if (target.kind !== 'pn') throw badRequest('number: is-exists checks phone numbers; groups and LIDs cannot be looked up this way')
  try {
    return await recipients.lookup(token, sock, target.jid)
  } catch (err) {
    throw new AppError(502, `WhatsApp did not answer the lookup: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** The seed's shape: data is the URL string. */
export async function profilePicture(sock: WASocket, jid: string, highRes: boolean): Promise<string> {
  let url: string | undefined
  try {
    url = await sock.profilePictureUrl(jid, highRes ? 'image' : 'preview')
  } catch (err) {
    // Baileys puts the iq error code in `data` (404 item-not-found, 401/403 hidden by privacy).
    const e = err as { output?: { statusCode?: number }; data?: unknown }
    const code = typeof e.data === 'number' ? e.data : e.output?.statusCode
    if (code === 404 || code === 401 || code === 403) url = undefined
    else throw new AppError(502, `WhatsApp did not answer: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (!url) throw notFound(`${jid} has no profile picture, or its privacy settings hide it`)
  return url
}

export async function readMessages(sock: WASocket, keys: WAMessageKey[]): Promise<{ read: number }> {
  await sock.readMessages(keys)
  return { read: keys.length }
}

export async function sendPresence(sock: WASocket, jid: string, presence: PresenceName): Promise<{ jid: string; presence: WAPresence }> {
  const wa: WAPresence = presence === 'typing' ? 'composing' : presence
  await sock.sendPresenceUpdate(wa, jid)
  return { jid, presence: wa }
}
