// Delivery signatures: X-Timestamp: <unix seconds of this attempt> and
// X-Signature: sha256=<hex HMAC-SHA256(secret, `${timestamp}.${raw body}`)>. Signing the time lets a
// receiver refuse replays of old deliveries (e.g. older than 5 minutes); every retry is signed anew.
// PHP: hash_hmac('sha256', $ts . '.' . $body, $secret) compared with hash_equals.
import { createHmac, timingSafeEqual } from 'node:crypto'

export const SIGNATURE_PREFIX = 'sha256='
/** How old a delivery a receiver should still accept (what docs and verifySignature use). */
export const DEFAULT_TOLERANCE_S = 300

const hmacHex = (secret: string, timestamp: string, body: string | Buffer) =>
  createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest('hex')

export function signBody(secret: string, body: string, timestamp: number): string {
  return SIGNATURE_PREFIX + hmacHex(secret, String(timestamp), body)
}

/** The headers of one attempt: X-Timestamp (now) and X-Signature over `timestamp.body`. */
export function signatureHeaders(secret: string, body: string, nowMs = Date.now()): { 'x-timestamp': string; 'x-signature': string } {
  const timestamp = Math.floor(nowMs / 1000)
  return { 'x-timestamp': String(timestamp), 'x-signature': signBody(secret, body, timestamp) }
}

/** Constant-time check of X-Signature over `X-Timestamp.body`; false when the timestamp is too far from now. */
export function verifySignature(
  secret: string, body: string | Buffer, header: string | undefined | null, timestamp: string | undefined | null,
  opts: { toleranceS?: number; nowMs?: number } = {},
): boolean {
  if (!header?.startsWith(SIGNATURE_PREFIX) || !timestamp || !/^\d{1,12}$/.test(timestamp)) return false
  const age = Math.abs((opts.nowMs ?? Date.now()) / 1000 - Number(timestamp))
  if (age > (opts.toleranceS ?? DEFAULT_TOLERANCE_S)) return false
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'utf8')
  const given = Buffer.from(header.slice(SIGNATURE_PREFIX.length), 'utf8')
  return given.length === expected.length && timingSafeEqual(given, expected)
}
