// Every endpoint is declared as a RouteDef: the app mounts them, the auth test walks them, and the
// OpenAPI document is built from them, so no route can skip auth or the docs.
import type { Request, RequestHandler, Response, Router } from 'express'
import type { ValidationChain } from 'express-validator'
import { bodyShapeProblem, wildcardFields } from './body-shape.js'
import { multipartFields } from './body-parsers.js'
import { sendFail, sendOk } from './envelope.js'
import { describeChain } from './openapi-fields.js'
import { scopeOf } from './scope.js'
import { validate } from './validate.js'

export type HttpMethod = 'get' | 'post' | 'put' | 'delete'

export interface RouteDef {
  method: HttpMethod
  /** Path under /api, in express syntax (e.g. `/whatsapp/instances/:token/qr`). */
  path: string
  summary: string
  tag: string
  validators?: ValidationChain[]
  /** Middlewares that run before validation (e.g. a multipart parser). */
  before?: RequestHandler[]
  /** Middlewares after the body is parsed, before validation (the Idempotency-Key guard). */
  guards?: RequestHandler[]
  /**
   * Returns the `data` of a success envelope; a handler that writes the response itself
   * (an image, a stream) returns nothing after writing.
   */
  handler: (req: Request, res: Response) => unknown
  /** Extra OpenAPI facts the validators cannot express: response content types... */
  produces?: string[]
  /** ...and request content types besides JSON (e.g. multipart/form-data for uploads). */
  consumes?: string[]
  /**
   * Who may call it. Default `token`: the route names an instance (`token` in the path or the body)
   * and a scoped API key must match it, else 404 as if it did not exist. `admin`: the AUTH key only
   * (403 for API keys). `self`: the handler applies scopeOf(req) itself (listings, batches, docs).
   */
  access?: 'token' | 'admin' | 'self'
  /** Takes base64 media in JSON: parsed with BODY_LIMIT instead of the small JSON_LIMIT. */
  largeBody?: boolean
}

/** Body parsers per route kind: small for every route, large for the ones that carry base64 media. */
export interface BodyParsers {
  small: RequestHandler[]
  large: RequestHandler[]
}

export const defineRoutes = (routes: RouteDef[]): RouteDef[] => routes

/** The instance a request names: `:token` in the path, else `token` in the body. */
function tokenOf(req: Request): string | undefined {
  const t = req.params.token ?? (req.body as { token?: unknown } | undefined)?.token
  return typeof t === 'string' ? t : undefined
}

/** A route left on the default `token` access must really name a token, or a key could see past its scope. */
function namesToken(r: RouteDef): boolean {
  if (r.path.includes(':token')) return true
  return (r.validators ?? []).some((c) => describeChain(c).some((f) => f.locations.includes('body') && f.segments.join('.') === 'token' && f.required))
}

function scopeGuard(r: RouteDef): RequestHandler {
  const access = r.access ?? 'token'
  if (access === 'token' && !namesToken(r)) {
    throw new Error(`route ${r.method.toUpperCase()} ${r.path} names no instance token: declare access 'admin' or 'self'`)
  }
  return (req, res, next) => {
    const scope = scopeOf(req)
    if (access === 'admin' && !scope.admin) return sendFail(res, 403, 'forbidden: this needs the admin key (AUTH), not an API key')
    const token = access === 'token' ? tokenOf(req) : undefined
    if (token !== undefined && !scope.allows(token)) return sendFail(res, 404, `instance "${token}" not found`)
    next()
  }
}

export function mountRoutes(router: Router, routes: RouteDef[], parsers?: BodyParsers): void {
  for (const r of routes) {
    const guard = scopeGuard(r)
    // Counted before any (quadratic) wildcard chain runs: see body-shape.ts.
    const fields = wildcardFields(r.validators ?? [])
    const shape: RequestHandler = (req, res, next) => {
      const problem = bodyShapeProblem(req.body, fields)
      if (problem) return sendFail(res, 400, problem)
      next()
    }
    const run: RequestHandler = async (req, res) => {
      const data = await r.handler(req, res)
      if (!res.headersSent) sendOk(res, data ?? null)
    }
    const parse = parsers ? (r.largeBody ? parsers.large : parsers.small) : []
    // A route with its own body parser (an upload) keeps it; every other POST reads multipart text fields.
    const forms = r.before ?? (r.method === 'post' ? [multipartFields] : [])
    // The scope is checked before validation: a token the key may not see is not found, whatever the body.
    router[r.method](r.path, ...parse, ...forms, guard, shape, ...(r.guards ?? []), ...validate(r.validators ?? []), run)
  }
}

/** The path as the client sent it (with /api), without the query string. */
export const requestPath = (req: Request) => req.originalUrl.split('?')[0]

/**
 * A declared path asked with a method it does not have answers 405 with `Allow` (derived from the
 * route list), not a 404. Mounted after the routes: each path collects its methods, then one
 * handler answers if any path matched.
 */
export function mountMethodNotAllowed(router: Router, routes: RouteDef[]): void {
  const byPath = new Map<string, Set<string>>()
  for (const r of routes) {
    const methods = byPath.get(r.path) ?? new Set<string>()
    methods.add(r.method.toUpperCase())
    if (r.method === 'get') methods.add('HEAD') // express answers HEAD with the GET route
    byPath.set(r.path, methods)
  }
  for (const [path, methods] of byPath) {
    router.all(path, (_req, res, next) => {
      const allow = (res.locals.allow as Set<string> | undefined) ?? new Set<string>()
      for (const m of methods) allow.add(m)
      res.locals.allow = allow
      next()
    })
  }
  router.use((req, res, next) => {
    const allow = res.locals.allow as Set<string> | undefined
    if (!allow?.size) return next()
    const list = [...allow].join(', ')
    res.setHeader('Allow', list)
    sendFail(res, 405, `method ${req.method} is not allowed on ${requestPath(req)}; allowed: ${list}`)
  })
}
