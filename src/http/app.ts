// Builds the Express app: CORS, static dashboard, auth on /api and /metrics, JSON limits,
// the declared routes, and the one error handler.
import express, { type RequestHandler } from 'express'
import type { Registry } from 'prom-client'
import type { Logger } from '../logger.js'
import { requireAdmin, requireAuth, type Authenticator } from './auth.js'
import { refuseCrossSiteWrites } from './csrf.js'
import { formBody, multipartCap } from './body-parsers.js'
import { sendFail } from './envelope.js'
import { errorHandler, notFoundHandler } from './error-handler.js'
import { mountMethodNotAllowed, mountRoutes, type RouteDef } from './route.js'
import { authFailureLimiter, docsHeaders, securityHeaders } from './security.js'

export interface HttpAppOptions {
  /** The admin key or a scoped API key → what the caller may see. */
  authenticate: Authenticator
  origin: string
  bodyLimit: string
  /** Limit of JSON/form bodies of routes without base64 media (default 1mb). */
  jsonLimit?: string
  logger: Logger
  routes: RouteDef[]
  metrics: Registry
  publicDir?: string
  /** Failed auth attempts per IP per 15 minutes before 429 (default 30). */
  authFailLimit?: number
  /** Extra mounts outside /api routing (the API docs page, which applies the same auth itself). */
  extra?: (app: express.Express) => void
}

function cors(origin: string): RequestHandler {
  const allowAll = origin === '*'
  return (req, res, next) => {
    const from = req.headers.origin
    if (from && (allowAll || from === origin)) {
      res.setHeader('Access-Control-Allow-Origin', allowAll ? '*' : from)
      res.setHeader('Vary', 'Origin')
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Idempotency-Key')
      res.setHeader('Access-Control-Expose-Headers', 'Idempotent-Replayed, Retry-After')
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE, OPTIONS')
    }
    if (req.method === 'OPTIONS') {
      res.status(204).end()
      return
    }
    next()
  }
}

/** A body that is neither JSON, a form nor multipart is refused instead of silently ignored. */
const requireKnownContentType: RequestHandler = (req, res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined
  if (!hasBody || req.is(['application/json', 'application/*+json', 'multipart/form-data', 'application/x-www-form-urlencoded'])) return next()
  sendFail(res, 415, `unsupported content type "${req.headers['content-type'] ?? ''}": send application/json`)
}

export function buildHttpApp(opts: HttpAppOptions): express.Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('query parser', 'simple')
  app.use(securityHeaders())
  app.use(cors(opts.origin))
  app.use(refuseCrossSiteWrites(opts.origin))
  if (opts.publicDir) app.use(express.static(opts.publicDir, { index: 'index.html' }))
  app.use('/api/docs', docsHeaders())
  opts.extra?.(app)

  // Liveness for Docker's HEALTHCHECK and load balancers: no key, and nothing about the gateway.
  app.get('/health', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' })
  })

  // Only where a key is required: the docs page and the dashboard's files never count as failures.
  const limitFailures = authFailureLimiter(opts.authenticate, opts.authFailLimit ?? 30)
  const auth = requireAuth(opts.authenticate)
  app.get('/metrics', limitFailures, auth, requireAdmin, async (_req, res) => {
    res.type(opts.metrics.contentType).send(await opts.metrics.metrics())
  })

  const api = express.Router()
  api.use(limitFailures)
  api.use(auth)
  api.use(requireKnownContentType)
  // Parsed per route: only routes that take base64 media accept BODY_LIMIT; the rest stay small.
  const parsers = (limit: string) => [express.json({ limit }), formBody(limit)]
  const small = opts.jsonLimit ?? '1mb'
  mountRoutes(api, opts.routes, { small: [...parsers(small), multipartCap(small)], large: parsers(opts.bodyLimit) })
  mountMethodNotAllowed(api, opts.routes)
  api.use(notFoundHandler)
  app.use('/api', api)

  app.use(notFoundHandler)
  app.use(errorHandler(opts.logger))
  return app
}
