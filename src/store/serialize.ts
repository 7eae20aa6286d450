// The canonical JSON form of a stored message and the seed's projections of it. Same format as
// Baileys' BufferJSON (binary as {type:'Buffer', data:<base64>}), written here without importing
// Baileys so the HTTP layer and the webhook payloads can use it too. Any Store may reuse these.
import type { StoredMessage } from './types.js'

interface LongLike { low: number; high: number; unsigned?: boolean }

const isLong = (v: unknown): v is LongLike =>
  typeof v === 'object' && v !== null && typeof (v as LongLike).low === 'number' && typeof (v as LongLike).high === 'number' &&
  Object.keys(v).every((k) => k === 'low' || k === 'high' || k === 'unsigned')

const longToNumber = (v: LongLike): number => (v.unsigned ? v.high >>> 0 : v.high) * 2 ** 32 + (v.low >>> 0)

/** Unix seconds from whatever Baileys put in a timestamp field (number, Long, string). */
export function toSeconds(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? v : 0
  if (typeof v === 'bigint') return Number(v)
  if (typeof v === 'string') return Number(v) || 0
  if (isLong(v)) return longToNumber(v)
  if (v && typeof v === 'object' && typeof (v as { toNumber?: unknown }).toNumber === 'function') {
    return (v as { toNumber(): number }).toNumber()
  }
  return 0
}

/** JSON.stringify replacer: Longs → numbers (WhatsApp's fit in a double), binary → base64. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (isLong(value)) return longToNumber(value)
  if (value instanceof Uint8Array) return { type: 'Buffer', data: Buffer.from(value).toString('base64') }
  // Buffer#toJSON ran before the replacer: {type:'Buffer', data:number[]}
  const b = value as { type?: unknown; data?: unknown } | null
  if (b && typeof b === 'object' && b.type === 'Buffer' && Array.isArray(b.data)) {
    return { type: 'Buffer', data: Buffer.from(b.data as number[]).toString('base64') }
  }
  return value
}

function jsonReviver(_key: string, value: unknown): unknown {
  const b = value as { type?: unknown; data?: unknown } | null
  if (b && typeof b === 'object' && b.type === 'Buffer' && typeof b.data === 'string') return Buffer.from(b.data, 'base64')
  return value
}

export const encodeMessage = (message: unknown): string => JSON.stringify(message, jsonReplacer)

/** With binary fields revived as Buffers (what Baileys expects back). */
export const decodeMessage = (json: string): StoredMessage => JSON.parse(json, jsonReviver) as StoredMessage

/** `user:device@server` → `user@server` (like Baileys' jidNormalizedUser); c.us → s.whatsapp.net. */
export function normalizeJid(jid: string | null | undefined): string {
  if (!jid) return ''
  const at = jid.indexOf('@')
  if (at < 0) return jid
  const server = jid.slice(at + 1)
  const user = jid.slice(0, at).split(':')[0]!.split('_')[0]!
  return `${user}@${server === 'c.us' ? 's.whatsapp.net' : server}`
}

// proto.WebMessageInfo.Status, a stable WhatsApp enum.
const STATUS_NAMES = ['ERROR', 'PENDING', 'SERVER_ACK', 'DELIVERY_ACK', 'READ', 'PLAYED']

/** The seed's message shape: {key, message, messageTimestamp (string), pushName, status? (name)}. */
export function seedMessage(m: StoredMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {
    key: m.key,
    message: m.message ?? null,
    messageTimestamp: String(toSeconds(m.messageTimestamp)),
    pushName: m.pushName ?? null,
  }
  if (m.status !== undefined && m.status !== null) {
    out.status = typeof m.status === 'number' ? (STATUS_NAMES[m.status] ?? m.status) : m.status
  }
  return out
}

/** Status order for merges: a late "delivered" must not overwrite "read". */
export function statusRank(s: unknown): number {
  if (typeof s === 'number') return s
  if (typeof s === 'string') return STATUS_NAMES.indexOf(s)
  return -1
}
