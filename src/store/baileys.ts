// Stored messages back into Baileys' types. The store keeps protobuf's JSON form (bytes as base64,
// 64-bit numbers as strings, enums as names — what WAMessage.toJSON gives and the seed returned);
// proto.fromObject restores real bytes and Longs for Baileys (getMessage, media download, quotes).
import { proto, type WAMessage, type WAMessageContent, type WAMessageKey } from '@whiskeysockets/baileys'
import type { Store, StoredMessage } from './types.js'

/** A stored message as a WAMessage; the key is kept as stored (it may carry remoteJidAlt etc.). */
export function toWAMessage(m: StoredMessage): WAMessage {
  const wa = proto.WebMessageInfo.fromObject(m) as WAMessage
  wa.key = { ...m.key } as WAMessageKey
  return wa
}

/** Baileys' getMessage (message retries, poll decryption) answered from the store. */
export function storeGetMessage(store: Store) {
  return async (token: string, key: WAMessageKey): Promise<WAMessageContent | undefined> => {
    if (!key.id) return undefined
    const found = (await store.findMessage(token, key.id, key.remoteJid ?? undefined)) ?? (await store.findMessage(token, key.id))
    return found?.message ? proto.Message.fromObject(found.message) : undefined
  }
}
