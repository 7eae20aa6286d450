// Delivery signatures: X-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>, as receivers
// verify them (PHP: hash_hmac('sha256', $body, $secret) compared with hash_equals).
import { createHmac, timingSafeEqual } from 'node:crypto'

export const SIGNATURE_PREFIX = 'sha256='

export function signBody(secret: string, body: string): string {
  return SIGNATURE_PREFIX + createHmac('sha256', secret).update(body, 'utf8').digest('hex')
}

/** Constant-time check of an X-Signature header against the raw body. */
export function verifySignature(secret: string, body: string | Buffer, header: string | undefined | null): boolean {
  if (!header?.startsWith(SIGNATURE_PREFIX)) return false
  const expected = Buffer.from(createHmac('sha256', secret).update(body).digest('hex'), 'utf8')
  const given = Buffer.from(header.slice(SIGNATURE_PREFIX.length), 'utf8')
  return given.length === expected.length && timingSafeEqual(given, expected)
}
