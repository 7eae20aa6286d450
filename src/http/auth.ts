// HTTP Basic auth: user = AUTH, empty password (what `curl -u "$AUTH:"` and Postman send).
// The bare base64(AUTH) form some seed users send is accepted too. Compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { RequestHandler } from 'express'
import { sendFail } from './envelope.js'

const digest = (s: string) => createHash('sha256').update(s).digest()

/** Constant-time equality that also hides the length of the secret. */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b))
}

/** Accepts `Basic base64(AUTH:)`, `Basic base64(AUTH)` or the raw key (Socket.IO `auth.key`). */
export function isAuthorized(expected: string, header: string | undefined): boolean {
  if (!header) return false
  const match = /^Basic\s+(\S+)\s*$/i.exec(header)
  if (!match) return false
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const user = decoded.endsWith(':') ? decoded.slice(0, -1) : decoded
  return safeEqual(user, expected)
}

/**
 * Browsers send Sec-Fetch-* headers (or at least a Mozilla user agent). They get no Basic
 * challenge: its prompt would cache the key in the browser, where any site's form could use it.
 */
const fromBrowser = (h: Record<string, string | string[] | undefined>): boolean =>
  h['sec-fetch-mode'] !== undefined || h['sec-fetch-site'] !== undefined || h['sec-fetch-dest'] !== undefined ||
  /^Mozilla\//.test(String(h['user-agent'] ?? ''))

export function requireAuth(expected: string): RequestHandler {
  return (req, res, next) => {
    if (isAuthorized(expected, req.headers.authorization)) return next()
    if (!fromBrowser(req.headers)) res.setHeader('WWW-Authenticate', 'Basic realm="whatsapp-gateway", charset="UTF-8"')
    sendFail(res, 401, 'unauthorized: send HTTP Basic auth with the AUTH key as user name and an empty password')
  }
}
