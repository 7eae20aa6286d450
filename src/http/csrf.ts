// Cross-site request forgery guard. A browser that once cached the AUTH key (Basic auth prompt) or
// any page the user visits could make it POST a form here. State-changing requests that a browser
// marks as coming from another origin are refused; clients that send neither `Origin` nor
// `Sec-Fetch-Site` (curl, PHP, Postman, servers) are not browsers and pass untouched.
import type { RequestHandler } from 'express'
import { sendFail } from './envelope.js'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

const hostOf = (origin: string): string | undefined => {
  try {
    return new URL(origin).host
  } catch {
    return undefined
  }
}

/**
 * `allowed`: the ORIGIN setting (comma list). Explicit origins there may write cross-origin (a
 * dashboard hosted elsewhere); `*` does not count: it opens CORS reads, not forms from anywhere.
 */
export function refuseCrossSiteWrites(allowed: string): RequestHandler {
  const explicit = new Set(allowed.split(',').map((o) => o.trim().replace(/\/$/, '')).filter((o) => o && o !== '*'))
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) return next()
    const origin = req.headers.origin
    const site = req.headers['sec-fetch-site']
    if (origin === undefined) {
      if (site === undefined || site === 'same-origin' || site === 'none') return next()
    } else if (explicit.has(origin)) {
      return next()
    } else if (origin !== 'null' && site !== 'cross-site') {
      // Same origin as the server: the Host the browser used (or the one a proxy forwarded).
      const host = hostOf(origin)
      const forwarded = req.headers['x-forwarded-host']
      const forwardedHost = Array.isArray(forwarded) ? forwarded[0] : forwarded?.split(',')[0].trim()
      if (host && (host === req.headers.host || host === forwardedHost)) return next()
    }
    sendFail(res, 403, `cross-site request refused: ${req.method} from ${origin ?? `a ${site} page`} is not allowed; ` +
      'use the dashboard on this server, call the API from a server (no Origin header), or add the origin to ORIGIN')
  }
}
