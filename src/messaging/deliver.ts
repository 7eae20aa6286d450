// The last step of every send: hand a built message to Baileys. Regular content goes through
// sendMessage; hand-built protos (buttons, templates, lists) through relayMessage, after which the
// message is upserted like sendMessage does, so the store and webhooks see it too.
import {
  generateWAMessageFromContent, type MiscMessageGenerationOptions, type WAMessage, type WASocket,
} from '@whiskeysockets/baileys'
import { AppError } from '../errors.js'
import { definedOnly } from '../util/defined.js'
import type { Built } from './builders.js'

export interface DeliverOptions {
  quoted?: WAMessage
  /** Fixed id: a resend after a crash reuses it, so recipients see the message once. */
  messageId?: string
  /** Baileys media cache; a bulk batch shares one so its media is uploaded once. */
  mediaCache?: unknown
}

export async function deliver(sock: WASocket, jid: string, built: Built, opts: DeliverOptions): Promise<WAMessage> {
  if (built.kind === 'content') {
    // mediaCache is read by Baileys from these options although its type does not list it. Unset
    // keys stay absent: Baileys spreads these over its own (an undefined messageId would win).
    const options = definedOnly({ quoted: opts.quoted, messageId: opts.messageId, mediaCache: opts.mediaCache }) as MiscMessageGenerationOptions
    const sent = await sock.sendMessage(jid, built.content, options)
    if (!sent) throw new AppError(502, 'WhatsApp did not return the sent message')
    return sent
  }
  const userJid = sock.user?.id
  if (!userJid) throw new AppError(409, 'instance is not logged in')
  const msg = generateWAMessageFromContent(jid, built.message, { userJid, ...definedOnly({ quoted: opts.quoted, messageId: opts.messageId }) })
  await sock.relayMessage(jid, msg.message ?? {}, definedOnly({ messageId: msg.key.id ?? undefined, additionalNodes: built.nodes }))
  void sock.upsertMessage(msg, 'append').catch(() => undefined)
  return msg
}

interface BoomLike { isBoom?: boolean; output?: { statusCode?: number }; data?: unknown; message?: string }

/** Baileys' errors (Boom) → clear envelope errors; a dropped connection is a 409. */
export function mapSendError(err: unknown): Error {
  if (err instanceof AppError) return err
  const b = err as BoomLike
  const status = b?.output?.statusCode
  // An iq error from WhatsApp (forbidden, item-not-found…) carries its code in `data`.
  const iqCode = typeof b?.data === 'number' && b.data >= 400 && b.data < 500 ? b.data : undefined
  const message = b?.message ?? String(err)
  if (b?.isBoom && status === 428) return new AppError(409, `the connection closed while sending: ${message}`)
  if (b?.isBoom && status === 408) return new AppError(504, `WhatsApp did not answer in time: ${message}`)
  if (b?.isBoom && iqCode) return new AppError(iqCode, `WhatsApp refused: ${message}`)
  if (b?.isBoom && status && status >= 400 && status < 500) return new AppError(status, message)
  return new AppError(502, `sending failed: ${message}`)
}

/** True when retrying after a reconnect makes sense (the socket dropped mid-send). */
export function isConnectionError(err: unknown): boolean {
  const status = (err as BoomLike)?.output?.statusCode ?? (err instanceof AppError ? err.status : undefined)
  return status === 428 || status === 409
}
