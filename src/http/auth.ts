// HTTP Basic auth: user = a key, empty password (what `curl -u "$KEY:"` and Postman send). The
// key is the admin AUTH key or a scoped API key. The bare base64(KEY) form some seed users send
// is accepted too. The admin key is compared in constant time; API keys are found by their hash.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { RequestHandler } from 'express'
import type { ApiKeyStore } from '../store/api-keys.js'
import { sendFail } from './envelope.js'
import { ADMIN_SCOPE, keyScope, scopeOf, setScope, type Scope } from './scope.js'

const digest = (s: string) => createHash('sha256').update(s).digest()

/** Constant-time equality that also hides the length of the secret. */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b))
}

/** The key in `Basic base64(KEY:)` or `Basic base64(KEY)`; undefined for anything else. */
export function keyFromHeader(header: string | undefined): string | undefined {
  const match = header ? /^Basic\s+(\S+)\s*$/i.exec(header) : null
  if (!match) return undefined
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  return decoded.endsWith(':') ? decoded.slice(0, -1) : decoded
}

/** Accepts `Basic base64(AUTH:)` or `Basic base64(AUTH)` for the admin key only. */
export function isAuthorized(expected: string, header: string | undefined): boolean {
  const key = keyFromHeader(header)
  return key !== undefined && safeEqual(key, expected)
}

/** Key → what it may see; undefined for an unknown or revoked key. */
export type Authenticator = (key: string | undefined) => Promise<Scope | undefined>

export function createAuthenticator(adminKey: string, keys?: ApiKeyStore): Authenticator {
  return async (key) => {
    if (key === undefined || key === '') return undefined
    if (safeEqual(key, adminKey)) return ADMIN_SCOPE
    const record = keys && key.startsWith('wak_') ? await keys.find(key) : undefined
    if (!record) return undefined
    await keys?.touch(record.id)
    return keyScope(record.id, record.tokens)
  }
}

/**
 * Browsers send Sec-Fetch-* headers (or at least a Mozilla user agent). They get no Basic
 * challenge: its prompt would cache the key in the browser, where any site's form could use it.
 */
const fromBrowser = (h: Record<string, string | string[] | undefined>): boolean =>
  h['sec-fetch-mode'] !== undefined || h['sec-fetch-site'] !== undefined || h['sec-fetch-dest'] !== undefined ||
  /^Mozilla\//.test(String(h['user-agent'] ?? ''))

export function requireAuth(authenticate: Authenticator): RequestHandler {
  return (req, res, next) => {
    authenticate(keyFromHeader(req.headers.authorization)).then(
      (scope) => {
        if (scope) {
          setScope(req, scope)
          return next()
        }
        if (!fromBrowser(req.headers)) res.setHeader('WWW-Authenticate', 'Basic realm="whatsapp-gateway", charset="UTF-8"')
        sendFail(res, 401, 'unauthorized: send HTTP Basic auth with the AUTH key (or an API key) as user name and an empty password')
      },
      next,
    )
  }
}

/** After requireAuth: only the admin key may pass (metrics, API keys, the sandbox). */
export const requireAdmin: RequestHandler = (req, res, next) => {
  if (scopeOf(req).admin) return next()
  sendFail(res, 403, 'forbidden: this needs the admin key (AUTH), not an API key')
}
