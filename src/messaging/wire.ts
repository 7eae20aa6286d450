// WAMessage ⇄ JSON. Responses carry the seed's shape (bytes as base64, longs and enums as
// strings); messages coming back from clients (download-media, quoted) may have been through
// JSON in any of the usual byte encodings and are revived here.
import { proto, type WAMessage } from '@whiskeysockets/baileys'

/** The JSON a client sees for a sent message (what protobufjs' toJSON gives: the seed's shape). */
export function toWire(msg: WAMessage): Record<string, unknown> {
  const json = (msg as { toJSON?: () => Record<string, unknown> }).toJSON
  if (typeof json === 'function') return json.call(msg)
  return proto.WebMessageInfo.toObject(proto.WebMessageInfo.fromObject(msg), { longs: String, enums: String, bytes: String }) as Record<string, unknown>
}

const isByteObject = (v: Record<string, unknown>) => {
  const keys = Object.keys(v)
  return keys.length > 0 && keys.every((k) => /^\d+$/.test(k)) && Object.values(v).every((x) => typeof x === 'number')
}

/** Turns {type:'Buffer', data}, {"0":n,…} and number arrays-in-Buffer-shape back into Buffers. */
export function reviveBytes(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return value
  if (value instanceof ArrayBuffer) return Buffer.from(value)
  if (Array.isArray(value)) return value.map(reviveBytes)
  const v = value as Record<string, unknown>
  if (v.type === 'Buffer' && Array.isArray(v.data)) return Buffer.from(v.data as number[])
  if (v.type === 'Buffer' && typeof v.data === 'string') return Buffer.from(v.data, 'base64')
  if (isByteObject(v)) return Buffer.from(Object.values(v) as number[])
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v)) out[k] = reviveBytes(x)
  return out
}

export class InvalidMessageError extends Error {}

/** A full WAMessage from a client's JSON (as message-upsert delivered it). */
export function messageFromJson(raw: unknown): WAMessage {
  let msg: proto.WebMessageInfo
  try {
    msg = proto.WebMessageInfo.fromObject(reviveBytes(raw) as Record<string, unknown>)
  } catch (err) {
    throw new InvalidMessageError(`message: not a WhatsApp message object (${err instanceof Error ? err.message : String(err)})`)
  }
  if (!msg.key) throw new InvalidMessageError('message: has no key')
  return msg as WAMessage
}

/** Message content (proto.IMessage) from JSON. */
export function contentFromJson(raw: unknown): proto.IMessage {
  try {
    return proto.Message.fromObject(reviveBytes(raw) as Record<string, unknown>)
  } catch (err) {
    throw new InvalidMessageError(`message content is not valid (${err instanceof Error ? err.message : String(err)})`)
  }
}
