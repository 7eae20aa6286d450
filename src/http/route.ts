// Every endpoint is declared as a RouteDef: the app mounts them, the auth test walks them, and the
// OpenAPI document is built from them, so no route can skip auth or the docs.
import type { Request, RequestHandler, Response, Router } from 'express'
import type { ValidationChain } from 'express-validator'
import { multipartFields } from './body-parsers.js'
import { sendFail, sendOk } from './envelope.js'
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
  /**
   * Returns the `data` of a success envelope; a handler that writes the response itself
   * (an image, a stream) returns nothing after writing.
   */
  handler: (req: Request, res: Response) => unknown
  /** Extra OpenAPI facts the validators cannot express: response content types... */
  produces?: string[]
  /** ...and request content types besides JSON (e.g. multipart/form-data for uploads). */
  consumes?: string[]
}

export const defineRoutes = (routes: RouteDef[]): RouteDef[] => routes

export function mountRoutes(router: Router, routes: RouteDef[]): void {
  for (const r of routes) {
    const run: RequestHandler = async (req, res) => {
      const data = await r.handler(req, res)
      if (!res.headersSent) sendOk(res, data ?? null)
    }
    // A route with its own body parser (an upload) keeps it; every other POST reads multipart text fields.
    const parsers = r.before ?? (r.method === 'post' ? [multipartFields] : [])
    router[r.method](r.path, ...parsers, ...validate(r.validators ?? []), run)
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
