// Security middleware: response headers (helmet, with a CSP the dashboard passes) and a per-IP
// limit on FAILED auth attempts, so guessing the AUTH key is slow while real clients are never limited.
import type { RequestHandler } from 'express'
import helmet from 'helmet'
import { ipKeyGenerator, rateLimit } from 'express-rate-limit'
import { keyFromHeader, type Authenticator } from './auth.js'
import { sendFail } from './envelope.js'

/** The dashboard loads only its own files; QR codes are data: URLs; Socket.IO is same-origin. */
const DASHBOARD_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  // Gateways are often reached over plain http on a LAN: upgrading would break the dashboard.
  upgradeInsecureRequests: null,
}

export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: DASHBOARD_CSP },
    // HSTS belongs to the TLS-terminating proxy, which knows whether subdomains are https too.
    strictTransportSecurity: false,
  })
}

/** Swagger UI injects inline styles (and svg style attributes), so its page allows those only. */
export function docsHeaders(): RequestHandler {
  return helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: { ...DASHBOARD_CSP, styleSrc: ["'self'", "'unsafe-inline'"] },
  })
}

export const AUTH_FAIL_WINDOW_MS = 15 * 60 * 1000

/**
 * Counts requests that carry a wrong or no key, per IP. Once an IP reaches `limit` in the window,
 * every request from it is refused with 429 (even with the right key, or guessing would go on).
 */
export function authFailureLimiter(authenticate: Authenticator, limit: number, windowMs = AUTH_FAIL_WINDOW_MS): RequestHandler {
  // The same key the limiter's default generator uses (IPv6 addresses grouped by /56).
  const keyOf = (ip: string | undefined) => ipKeyGenerator(ip ?? '')
  const limiter = rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skip: async (req) => {
      if (!(await authenticate(keyFromHeader(req.headers.authorization)))) return false
      const hits = (await limiter.getKey(keyOf(req.ip)))?.totalHits ?? 0
      return hits < limit // a blocked IP stays blocked until the window ends
    },
    handler: (_req, res) => {
      sendFail(res, 429, `too many failed auth attempts from this address; try again in ${Math.ceil(windowMs / 60_000)} minutes`)
    },
  })
  return limiter
}
